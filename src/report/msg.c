/* The report's message catalogue: every fixed string in English and in
 * Japanese, side by side, so that a string added in one language without
 * the other is visible in review and fails test_report (a NULL entry).
 * The Japanese is written for a Japanese incident responder, in the
 * register of a CSIRT report (である調 for headings, です・ます for
 * sentences), not translated by machine. */
#include "report_int.h"

#include <stddef.h>

static const char *const CAT[M_COUNT][2] = {
    [M_LANG_CODE] = {"en", "ja"},
    [M_TITLE] = {"Incident report", "インシデント調査報告書"},
    [M_CASE] = {"Case", "ケース"},
    [M_GENERATED] = {"Generated", "作成日時"},
    [M_ZONE] = {"Times are shown in", "時刻の表記"},
    [M_TOC] = {"Contents", "目次"},
    [M_S1] = {"1. What happened", "1. 何が起きたか"},
    [M_S2] = {"2. Timeline", "2. タイムライン"},
    [M_S3] = {"3. Findings, best first", "3. 検出結果（重要度の高い順）"},
    [M_S4] = {"4. Accounts and hosts", "4. アカウントとホスト"},
    [M_S5] = {"5. Evidence accounting", "5. 証拠の記録と照合"},
    [M_S6] = {"6. Recovery plan", "6. 復旧計画"},
    [M_SEV_LOW] = {"low", "低"},
    [M_SEV_MEDIUM] = {"medium", "中"},
    [M_SEV_HIGH] = {"high", "高"},
    [M_SEV_CRITICAL] = {"critical", "緊急"},
    [M_OVERVIEW] = {"Findings of the hunts: {1} ({2} critical, {3} high, {4} medium, {5} low).",
                    "ハンティングの検出結果は {1} 件です（緊急 {2} 件、高 {3} 件、中 {4} 件、低 "
                    "{5} 件）。"},
    [M_SPAN] = {"The logs cover {1} to {2}.", "ログの期間は {1} から {2} までです。"},
    [M_NOFINDINGS] = {"No findings: the hunts found nothing in this case, or have not been run "
                      "(ashiato hunt CASE).",
                      "検出結果はありません。このケースで何も見つからなかったか、ハンティングが"
                      "未実行です（ashiato hunt CASE）。"},
    [M_STORY_INTRO] = {"In time order, what the high and critical findings show:",
                       "重要度「高」以上の検出結果が示すことを、時刻順に記します。"},
    [M_STORY_LINK] = {"An attack tool was detected on {1} ({2}). Shortly before, {3} had "
                      "connected over VPN from {4} and reached that host: the account is how "
                      "the tool got there.",
                      "{1} で攻撃ツールが検知されました（{2}）。その直前に {3} が {4} から "
                      "VPN で接続し、このホストに到達していました。ツールを置いたのはこのアカウン"
                      "トです。"},
    [M_STORY_RETURN] = {"{1} came back over VPN later from addresses it had never used "
                        "({2}), and its logons reached {3}.",
                        "{1} はその後、それまで使ったことのないアドレス（{2}）から VPN で再び"
                        "接続し、{3} にログオンしました。"},
    [M_STORY_ACCOUNT] =
        {"{1} connected over VPN from {2} addresses it had never used ({3}) "
         "and reached {4}.",
         "{1} が、それまで使ったことのない {2} 個のアドレス（{3}）から VPN で接続し、"
         "{4} に到達しました。"},
    [M_STORY_HOP] = {"The administrator credentials of {1} were used from {2}, which {3}'s VPN "
                     "session held, to log on to {4}.",
                     "{3} の VPN セッションが保持していた {2} から管理者 {1} の認証情報が使われ、"
                     "{4} にログオンしました。"},
    [M_STORY_TUNNEL] = {"{1} held long two-way HTTPS sessions to {2} ({3}) on {4} days: the "
                        "shape of a tunnel, and {2} is its relay.",
                        "{1} が {2}（{3}）へ長時間の双方向 HTTPS セッションを {4} 日にわた"
                        "って張っていました。トンネルの形であり、{2} がその中継サーバです。"},
    [M_STORY_LOOP] = {"RDP logons arrived on {1} from the host itself ({2}): they came through "
                      "{3}, the program that relays the tunnel.",
                      "{1} で、ホスト自身を接続元とする RDP ログオンがありました（{2}）。トン"
                      "ネルを中継するプログラム {3} を経由して来たものです。"},
    [M_STORY_LOOP_NOPROG] = {"RDP logons arrived on {1} from the host itself ({2}): something on "
                             "it relays them, and no log names the program.",
                             "{1} で、ホスト自身を接続元とする RDP ログオンがありました（{2}）。"
                             "ホスト上の何かが中継していますが、そのプログラムを記録したログは"
                             "ありません。"},
    [M_STORY_BEACON] = {"{1} connected to {2} on a schedule, every {3}.",
                        "{1} が {2} へ一定の間隔（{3} ごと）で接続していました。"},
    [M_STORY_SIGMA] = {"{1} (Sigma rule) on {2} hosts: {3}.",
                       "Sigma ルール「{1}」が {2} 台のホストで一致しました：{3}。"},
    [M_STORY_SIGMA1] = {"{1} (Sigma rule) on {3}.", "{3} で Sigma ルール「{1}」が一致しました。"},
    [M_STORY_IMPLANT] = {"{2} files carrying the environment's own names (built for this "
                         "network) were found on {3}; their names: {1}.",
                         "この環境の名前を埋め込んだ（この組織を狙って作られた）ファイルが {2} "
                         "件見つかりました（ホスト：{3}、ファイル名：{1}）。"},
    [M_HEAD_SESSIONS] = {"Long-lived sessions from {1} to {2} ({3}).",
                         "{1} から {2}（{3}）への長時間のセッションです。"},
    [M_HEAD_IMPLANT] = {"{1} carries the environment's own names ({2}).",
                        "{1} にこの環境の名前が埋め込まれています（{2}）。"},
    [M_HEAD_LINK] = {"The antivirus detected {2} on {1}; the hunt weighed {3} as the account "
                     "that may have put it there (see the reasons).",
                     "{1} でウイルス対策ソフトが {2} を検知しました。ハントは、これを置いた可能"
                     "性のあるアカウントとして {3} を評価しています（根拠を参照してください）。"},
    [M_HEAD_LINK_NONE] = {"The antivirus detected {2} on {1}; these logs tie no account to it.",
                          "{1} でウイルス対策ソフトが {2} を検知しました。これらのログからは、結"
                          "び付くアカウントが見つかりません。"},
    [M_HEAD_ACCOUNT] = {"VPN sessions of {1} that its own history does not explain (from {2}); "
                        "they reached {3}.",
                        "{1} の VPN セッションに、このアカウント自身の履歴では説明できないものがあ"
                        "ります（接続元：{2}）。到達先は {3} です。"},
    [M_HEAD_RELAY] = {"{2} relays RDP on {1}; no RDP logon from the host itself is in the case "
                      "to show it used.",
                      "{1} で {2} が RDP を中継しています。ケース内には、それが使われたことを示す"
                      "ホスト自身からの RDP ログオンはありません。"},
    [M_HEAD_LONGCONN] = {"{1} held long connections to {2} ({3} in all).",
                         "{1} が {2} へ長時間の接続を保っていました（合計 {3}）。"},
    [M_HEAD_OTHER] = {"A finding of the {1} hunt on {2}.",
                      "{2} に関する {1} ハントの検出結果です。"},
    [M_STORY_OTHER] = {"{1}: {2}", "{1}：{2}"},
    [M_STORY_REST] = {"{1} findings of medium or low severity are listed in section 3.",
                      "重要度「中」「低」の検出結果 {1} 件は第 3 章に載せています。"},
    [M_SEE] = {"finding #{1}", "検出結果 #{1}"},
    [M_LANE_VPN] = {"VPN", "VPN"},
    [M_LANE_FW] = {"Firewall", "ファイアウォール"},
    [M_LANE_WIN] = {"Windows", "Windows"},
    [M_LANE_AV] = {"Antivirus", "ウイルス対策"},
    [M_LANE_OTHER] = {"Other", "その他"},
    [M_LANE_FINDINGS] = {"Findings", "検出結果"},
    [M_TL_LEGEND] = {"Each cell is {1}; its shade grows with the events logged in it, up to "
                     "{2} or more per kind. Marks are the findings' evidence (red: critical, "
                     "orange: high); numbers are the items of section 1. A blank stretch in a "
                     "lane is a time with no logs of that kind.",
                     "1 マスは {1} で、その間のイベント数が多いほど濃くなります（種別ごとに "
                     "{2} 件以上で最も濃い色）。印は検出結果の証拠（赤：緊急、橙：高）、番号は"
                     "第 1 章の項目です。レーンの空白は、その種別のログがない期間です。"},
    [M_TL_NONE] = {"The case has no events with a time.", "時刻のあるイベントがありません。"},
    [M_SCORE] = {"score", "スコア"},
    [M_HUNT] = {"Hunt", "ハント"},
    [M_FIRST] = {"First seen", "初回"},
    [M_LAST] = {"Last seen", "最終"},
    [M_ACCOUNTS] = {"Accounts", "アカウント"},
    [M_HOSTS] = {"Hosts", "ホスト"},
    [M_ADDRESSES] = {"Addresses", "アドレス"},
    [M_FILES] = {"Files", "ファイル"},
    [M_REASONS] = {"Why it scores this (weights for and against)",
                   "スコアの根拠（加点・減点の重み）"},
    [M_NOREASONS] = {"The hunt gave its reasons in its summary above.",
                     "根拠は上のハントの説明に記されています。"},
    [M_ATTACK] = {"ATT&CK techniques", "ATT&CK テクニック"},
    [M_EVIDENCE] = {"Evidence, as logged", "証拠（ログに記録されたとおり）"},
    [M_SUMMARY] = {"The hunt's explanation", "ハントによる説明"},
    [M_SUMMARY_LANG] = {"", "（ハントが出力した英語の原文です）"},
    [M_REASON_LANG] = {"", "（英語の原文：この版の翻訳表にない根拠です）"},
    [M_FILE] = {"file", "ファイル"},
    [M_OFFSET] = {"byte offset {1}", "バイト位置 {1}"},
    [M_RECORD] = {"EVTX record {1}", "EVTX レコード {1}"},
    [M_VERIFIED] = {"read back from the file just now; the file is the one ingested (size and "
                    "modification time, or SHA-256)",
                    "いま証拠ファイルから読み直した行です。ファイルは取り込み時と同一です（サ"
                    "イズと更新時刻、または SHA-256 で確認）"},
    [M_CHANGED] = {"CHECK FAILED: the file is not the one ingested ({1} differs). Its text is "
                   "not evidence and is not shown; see ashiato sources --verify.",
                   "照合失敗：ファイルが取り込み時と異なります（{1} が不一致）。現在の内容は"
                   "証拠ではないため表示しません。ashiato sources --verify で確認してください。"},
    [M_MISSING] = {"CHECK FAILED: the file, member, line or record is no longer there.",
                   "照合失敗：ファイル、アーカイブ内のメンバー、行またはレコードが見つかりませ"
                   "ん。"},
    [M_NOSOURCE] = {"no source line: the text the hunt or scan recorded",
                    "元の行はありません。ハントまたはスキャンが記録した本文です"},
    [M_UNREADABLE] = {"not read back ({1}): the text the hunt recorded is shown",
                      "読み直せませんでした（{1}）。ハントが記録した本文を表示します"},
    [M_MORE_EVIDENCE] = {"{1} more evidence items: ashiato hunt CASE --json lists them all.",
                         "ほかに証拠が {1} 件あります。すべては ashiato hunt CASE --json "
                         "で確認できます。"},
    [M_CUT] = {"first {1} of {2} bytes shown", "全 {2} バイトのうち先頭 {1} バイト"
                                               "を表示"},
    [M_BUDGET] = {"The report's evidence budget is spent: the remaining items are left to "
                  "ashiato hunt CASE --json.",
                  "報告書に載せる証拠の上限に達したため、残りは ashiato hunt CASE --json で確認"
                  "してください。"},
    [M_FINDINGS_CAP] = {"The first {1} of {2} findings are shown whole above; the rest, one line "
                        "each, below (ashiato hunt CASE --json gives them whole).",
                        "全 {2} 件のうち上位 {1} 件を上に詳しく載せ、残りは 1 件 1 行で下に載せて"
                        "います（全件の詳細は ashiato hunt CASE --json）。"},
    [M_ACCOUNT] = {"Account", "アカウント"},
    [M_VPN_SESSIONS] = {"VPN logins", "VPN ログイン"},
    [M_VPN_SOURCES] = {"VPN sources (country, provider)", "VPN 接続元（国、事業者）"},
    [M_FIRST_SEEN] = {"First seen", "初回"},
    [M_HOSTS_REACHED] = {"Hosts reached (logons)", "ログオン先ホスト（回数）"},
    [M_LOGON_TYPES] = {"Logon types", "ログオン種別"},
    [M_IN_FINDINGS] = {"Findings", "検出結果"},
    [M_HOST] = {"Host", "ホスト"},
    [M_LOGONS_IN] = {"Logons (accounts)", "ログオン（アカウント数）"},
    [M_GRAPH] = {"Logons of the accounts named in findings: account → host, line width grows "
                 "with the logon count; red lines are the intrusion's: an account and a host "
                 "named together by a high or critical finding of the account hunts (past "
                 "detection, account use, credential hop, loopback RDP), or a logon from an "
                 "address of the intrusion's sessions.",
                 "検出結果に現れるアカウントのログオン：アカウント → ホスト。線の太さはログオン"
                 "回数に応じます。赤い線は侵入者によるもので、アカウント系のハンティング（過去の"
                 "検知、アカウントの使用、認証情報による横展開、ループバック RDP）の重要度「高」"
                 "以上の同じ検出結果に並んで現れるアカウントとホスト、または侵入者のセッションの"
                 "アドレスからのログオンを結びます。"},
    [M_GRAPH_INTR] = {"({1} from the intrusion's sessions)",
                      "（うち侵入者のセッションから {1} 回）"},
    [M_GRAPH_NONE] = {"No Windows logons (4624) of these accounts in the case.",
                      "これらのアカウントの Windows ログオン（4624）はケースにありません。"},
    [M_ENT_NONE] = {"No finding names an account or a host.",
                    "アカウントやホストを含む検出結果はありません。"},
    [M_ENT_CAP] = {"{1} of {2} shown, those of the best findings first.",
                   "全 {2} 件のうち、重要度の高い検出結果のものから {1} 件を表示しています。"},
    [M_SRC_FILE] = {"Source", "証拠ファイル"},
    [M_FORMAT] = {"Format", "形式"},
    [M_SIZE] = {"Size (bytes)", "サイズ（バイト）"},
    [M_READ] = {"Read", "読込"},
    [M_PARSED] = {"Parsed", "解析"},
    [M_REJECTED] = {"Rejected", "除外"},
    [M_TIMESPAN] = {"Time span", "期間"},
    [M_SKIPPED] = {"not read: {1}", "未読込：{1}"},
    [M_INCOMPLETE] = {"ingest incomplete", "取り込み未完了"},
    [M_SRC_TOTALS] = {"{1} sources: {2} records read = {3} parsed + {4} rejected.",
                      "証拠ファイル {1} 件：読込 {2} 件 = 解析 {3} 件 + 除外 {4} 件。"},
    [M_SRC_BALANCED] = {"Every record is accounted for.",
                        "すべてのレコードの扱いが記録されています。"},
    [M_SRC_UNBALANCED] = {"WARNING: read differs from parsed + rejected for some sources.",
                          "警告：読込件数が解析件数と除外件数の和と一致しないファイルがあります。"},
    [M_SRC_CAP] = {"{1} of {2} sources listed; ashiato sources CASE lists every one.",
                   "全 {2} 件のうち {1} 件を載せています。すべては ashiato sources CASE "
                   "で確認できます。"},
    [M_INCIDENT] = {"Incident {1}: {2} findings of one intrusion, {3} to {4}.",
                    "インシデント {1}：一つの侵入による検出結果 {2} 件（{3} ～ {4}）。"},
    [M_UNLINKED] = {"High and critical findings not linked to an incident",
                    "インシデントに結び付いていない重要度「高」以上の検出結果"},
    [M_PLAN_FROM] = {"The steps of ashiato plan for this case, in the order to run them; each "
                     "cites the findings it rests on. Below: {1}.",
                     "このケースに対する ashiato plan の手順を、実施する順に示します。各手順には"
                     "根拠となる検出結果を添えています。以下は{1}です。"},
    [M_PLAN_CUTOFF] = {"Backup cut-off: {1}, the intruder's first footprint in these logs. "
                       "Backups taken from then on are suspect.",
                       "バックアップの基準日時：{1}（これらのログにおける侵入者の最初の痕跡）。"
                       "これ以降に取得されたバックアップは疑わしいものとして扱います。"},
    [M_PLAN_RESTORE] = {"Newest backup run before it in the logs: {1} on {2}.",
                        "それより前にログに記録された最も新しいバックアップ：{1}（{2}）。"},
    [M_PLAN_BACKUPS] = {"Backup runs in the logs: {1}, of which {2} at or after the cut-off.",
                        "ログ上のバックアップの実行：{1} 回（うち基準日時以降 {2} 回）。"},
    [M_PLAN_RESTS_ON] = {"Rests on", "根拠"},
    [M_PLAN_CONFIG] = {"Configuration for {1}", "{1} 用の設定"},
    [M_PLAN_DIRECTORY] = {"Directory commands (PowerShell, Active Directory)",
                          "ディレクトリ側のコマンド（PowerShell、Active Directory）"},
    [M_PLAN_ERROR] = {"The recovery plan could not be made: {1}. Run ashiato plan CASE to see "
                      "why.",
                      "復旧計画を作成できませんでした（{1}）。原因は ashiato plan CASE で確認して"
                      "ください。"},
    [M_FOOTER] = {"Made by ashiato from the case store. This page loads nothing from any "
                  "network and runs no script.",
                  "ashiato がケースストアから作成しました。このページはネットワークから何も読み"
                  "込まず、スクリプトも実行しません。"},
};

const char *ash_msg_get(ash_lang lang, ash_msg m) {
  if ((unsigned)m >= M_COUNT) return "";
  const char *s = CAT[m][lang == ASH_LANG_JA ? 1 : 0];
  return s ? s : "";
}
