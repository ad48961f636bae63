/* The plan's message catalogue: every sentence of the plan in English and
 * Japanese, side by side, so that a step changed in one language is seen
 * to need the change in the other. Templates take {1}..{9}; the values
 * (addresses, accounts, hosts, times) are filled in by ash_plan_msg and
 * never parsed as a template, so a name from a log cannot change a
 * sentence. */
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/plan.h"

typedef struct msg {
  const char *id, *en, *ja;
} msg;

static const msg MSGS[] = {
    /* ---- shared words */
    {"none", "none", "なし"},
    {"sep", ", ", "、"},
    {"on_host", "{1} on {2}", "{2} の {1}"},
    {"findings", "findings", "根拠の所見"},
    {"evidence", "evidence", "証拠"},
    {"config", "configuration", "設定"},
    {"title", "Recovery plan ({1})", "復旧計画（{1}）"},
    {"firewall_detected", "firewall configuration for {1} (the vendor of this case's logs)",
     "{1} 用のファイアウォール設定（このケースのログの製品）"},
    {"firewall_given", "firewall configuration for {1} (as asked)",
     "{1} 用のファイアウォール設定（指定どおり）"},
    {"refused_names",
     "{1} account name(s) hold characters that cannot go safely into a configuration line; "
     "disable them by hand.",
     "{1} 件のアカウント名に設定行へ安全に書けない文字が含まれるため、手作業で無効化すること。"},

    /* ---- 1 contain */
    {"block",
     "Block at the perimeter, in both directions, the intruder's relay addresses ({1}) and the "
     "addresses its VPN sessions came from ({2}), with the configuration below; put the rules "
     "above every allow rule.",
     "侵入者の中継先アドレス（{1}）と、侵入者の VPN セッションの接続元アドレス（{2}）を、"
     "境界で双方向に遮断する。下記の設定を、すべての許可ルールより上に置くこと。"},
    {"block_none",
     "No relay or intruder VPN source address is known from the findings: nothing to block at "
     "the perimeter yet.",
     "所見から中継先・VPN 接続元のアドレスが判明していないため、境界で遮断するものはまだない。"},
    {"disable_vpn",
     "Disable the VPN access of {1}, the account linked to the intrusion, on the firewall and in "
     "the directory until its password is reset, and end its open sessions.",
     "侵入に結び付いたアカウント {1} の VPN アクセスを、パスワードをリセットするまで"
     "ファイアウォールとディレクトリの両方で無効にし、接続中のセッションを切断する。"},
    {"isolate_tunnel",
     "Isolate {1}, the host that held the tunnel to {2} port {3} ({4}), first: cut it from the "
     "network (EDR isolation or its switch port) and keep it powered on for memory and disk "
     "acquisition.",
     "まず、{2} のポート {3}（{4}）へのトンネルを保持していたホスト {1} を隔離する。"
     "EDR の隔離機能かスイッチポートでネットワークから切り離し、メモリとディスクの保全のため"
     "電源は入れたままにする。"},
    {"isolate_hosts", "Isolate the other hosts the intruder reached: {1}.",
     "侵入者が到達したその他のホストを隔離する: {1}。"},

    /* ---- 2 eradicate */
    {"remove_service",
     "On {1}, stop and delete the service {2} ({3}), installed {4} (events 7045/4697).",
     "{1} で、{4} に登録されたサービス {2}（{3}）を停止して削除する（イベント 7045/4697）。"},
    {"remove_task",
     "On {1}, delete the scheduled task {2}, which runs {3}, created {4} (event 4698).",
     "{1} で、{4} に作成されたスケジュールタスク {2}（実行内容: {3}）を削除する（イベント "
     "4698）。"},
    {"remove_registry",
     "On {1}, remove the registry value {2}, which starts {3}, set {4} (Sysmon 13).",
     "{1} で、{4} に設定されたレジストリ値 {2}（起動するもの: {3}）を削除する（Sysmon 13）。"},
    {"remove_files",
     "Remove the intruder's programs, keeping a copy in quarantine for analysis: {1}.",
     "侵入者のプログラムを削除する（解析用に隔離保管したうえで）: {1}。"},
    {"remove_hashes", "Search every host for these SHA-256 and remove each copy: {1}.",
     "全ホストでこれらの SHA-256 を検索し、見つかったものをすべて削除する: {1}。"},
    {"rebuild",
     "Rebuild from clean media, do not clean: {1}. Credential theft, impact or a backdoor ran "
     "there with administrator rights, and such a host cannot be shown clean.",
     "駆除ではなく、クリーンなメディアから再構築する: {1}。これらのホストでは管理者権限で"
     "認証情報の窃取、破壊活動またはバックドアが実行されており、クリーンであることを証明できない"
     "。"},

    /* ---- 3 credentials */
    {"reset_linked",
     "Reset first the password of {1}, the linked account, and revoke its sessions, tokens and "
     "MFA registrations.",
     "最初に、侵入に結び付いたアカウント {1} のパスワードをリセットし、セッション、トークン、"
     "MFA の登録を無効にする。"},
    {"reset_admins", "Then reset every administrator account used on a compromised host: {1}.",
     "次に、侵害されたホストで使われたすべての管理者アカウントのパスワードをリセットする: {1}。"},
    {"reset_services",
     "Then reset the service accounts seen on the compromised hosts, whose passwords those hosts "
     "keep in their LSA secrets, and update the services that use them: {1}.",
     "続いて、侵害されたホストで確認されたサービスアカウントのパスワードをリセットし、"
     "それを使うサービスの設定を更新する（これらのパスワードはホストの LSA シークレットに"
     "保存されている）: {1}。"},
    {"krbtgt",
     "Reset the krbtgt password twice, because {1}. Between the two resets wait until the first "
     "has replicated to every domain controller and at least the maximum ticket lifetime (10 hours "
     "by default) has passed: one reset leaves tickets signed with the previous key valid.",
     "{1}ため、krbtgt アカウントのパスワードを 2 回リセットする。1 回目の変更がすべての"
     "ドメインコントローラーに複製され、かつチケットの最大有効期間（既定 10 時間）が過ぎるまで"
     "待ってから 2 回目を行う。1 回だけでは、以前の鍵で署名されたチケットが有効なまま残る。"},
    {"krbtgt_dc", "the intruder reached the domain controller(s) {1}",
     "侵入者がドメインコントローラー {1} に到達した"},
    {"krbtgt_da", "the domain administrator account(s) {1} were used",
     "ドメイン管理者アカウント {1} が使われた"},
    {"krbtgt_and", "{1} and {2}", "{1}うえ、{2}"},
    {"krbtgt_not",
     "No domain controller was reached and no domain administrator used in these logs: the "
     "evidence does not require a krbtgt reset; reset it twice anyway if the domain controllers' "
     "logs are missing from the case.",
     "これらのログでは、ドメインコントローラーへの到達もドメイン管理者の使用も確認されて"
     "いないため、証拠上は krbtgt のリセットは必須ではない。ただし、ドメインコントローラーの"
     "ログがケースに含まれていない場合は、念のため 2 回リセットすること。"},
    {"laps", "Rotate the local administrator passwords (LAPS) of the reached hosts: {1}.",
     "到達されたホストのローカル管理者パスワード（LAPS）を変更する: {1}。"},

    /* ---- 4 restore */
    {"restore_order",
     "Restore in this order, each on an isolated network and checked against the watchlist "
     "before it is reconnected: domain controllers ({1}), then file servers ({2}), then "
     "application servers ({3}).",
     "次の順に復旧する。各ホストは隔離したネットワーク上で戻し、監視リストと照合してから"
     "再接続する: ドメインコントローラー（{1}）、次にファイルサーバー（{2}）、"
     "次にアプリケーションサーバー（{3}）。"},
    {"backup_cutoff",
     "Restore from the newest backup taken before {1}, the intruder's first footprint in these "
     "logs: {2}.",
     "これらのログにおける侵入者の最初の痕跡である {1} より前に取得された、最も新しい"
     "バックアップから復旧する: {2}。"},
    {"backup_run", "the backup of {1} on {2} ({3})", "{1} に {2} で実行されたバックアップ（{3}）"},
    {"backup_none_before",
     "no backup run before it is in the logs; choose it from the backup catalogue",
     "それより前のバックアップの実行はログにないため、バックアップカタログから選ぶこと"},
    {"backup_suspect",
     "Treat as suspect every backup taken from {1} on ({2} run(s) in the logs, the last {3}): "
     "the intruder was inside from that time, so they may hold its programs ({4}), its "
     "persistence and its changes to accounts.",
     "{1} 以降に取得されたバックアップはすべて疑わしいものとして扱う（ログ上 {2} 回、"
     "最後は {3}）。侵入者はその時点から内部にいたため、侵入者のプログラム（{4}）、"
     "永続化の仕組み、アカウントへの変更が含まれている可能性がある。"},
    {"backup_suspect_none",
     "Treat as suspect every backup taken from {1} on: the intruder was inside from that time "
     "(no backup run is in the logs to list).",
     "{1} 以降に取得されたバックアップはすべて疑わしいものとして扱う。侵入者はその時点から"
     "内部にいた（一覧にできるバックアップの実行はログにない）。"},
    {"backup_implant", "Backups taken from {1} on hold {2} itself: it was written then.",
     "{1} 以降のバックアップには {2} そのものが含まれる（その時点で書き込まれた）。"},
    {"backup_tampered",
     "The intruder attacked recovery itself on {1} ({2}): check the backups offline for "
     "deletion and encryption before relying on any of them.",
     "侵入者は {1} に復旧手段そのものを攻撃した（{2}）。どのバックアップに頼る前にも、"
     "オフラインで削除や暗号化の有無を確認すること。"},

    /* ---- 5 verify and watch */
    {"watch",
     "Watch for {1} days after the restore (twice the intruder's longest silence in these logs, "
     "{2} days, and at least 90): relays {3}; VPN sources {4}; accounts {5}; implants {6}; the "
     "tunnel's shape {7}; loopback RDP on {8}. 'ashiato watch' does it on live syslog.",
     "復旧後 {1} 日間監視する（これらのログにおける侵入者の最長の空白期間 {2} 日の 2 倍、"
     "最低 90 日）: 中継先 {3}、VPN 接続元 {4}、アカウント {5}、インプラント {6}、"
     "トンネルの形 {7}、{8} でのループバック RDP。'ashiato watch' でリアルタイムの syslog を"
     "監視できる。"},
    {"tunnel_shape", "{1} to {2}:{3}, sessions of {4} min or longer",
     "{1} から {2}:{3} への {4} 分以上のセッション"},
    {"no_findings",
     "The case has no finding at high severity or above: run 'ashiato hunt CASE' (and 'ashiato "
     "scan --case CASE' on the collected files) first. There is nothing to act on yet.",
     "このケースには重要度 high 以上の所見がない。先に 'ashiato hunt CASE'（収集した"
     "ファイルには 'ashiato scan --case CASE'）を実行すること。まだ対処すべきものはない。"},
};

static const char *const PHASES[2][6] = {
    {"", "1. Contain", "2. Eradicate", "3. Credentials", "4. Restore", "5. Verify and watch"},
    {"", "1. 封じ込め", "2. 根絶", "3. 認証情報のリセット", "4. 復旧", "5. 検証と監視"},
};

const char *ash_plan_msg_id(size_t i) {
  return i < sizeof MSGS / sizeof MSGS[0] ? MSGS[i].id : NULL;
}

const char *ash_plan_phase_title(ash_lang lang, ash_plan_phase ph) {
  if ((unsigned)ph > ASH_PHASE_VERIFY) return "";
  return PHASES[lang == ASH_LANG_JA][ph];
}

int ash_plan_msg(ash_lang lang, const char *id, const char *const *args, size_t nargs,
                 ash_buf *out) {
  const msg *m = NULL;
  for (size_t i = 0; i < sizeof MSGS / sizeof MSGS[0]; i++)
    if (!strcmp(MSGS[i].id, id)) {
      m = &MSGS[i];
      break;
    }
  if (!m) return ASH_ENOTFOUND;
  const char *t = lang == ASH_LANG_JA ? m->ja : m->en;
  for (const char *p = t; *p;) {
    if (p[0] == '{' && p[1] >= '1' && p[1] <= '9' && p[2] == '}') {
      size_t k = (size_t)(p[1] - '1');
      if (k < nargs && args[k]) ASH_TRY(ash_buf_adds(out, args[k]));
      p += 3;
      continue;
    }
    const char *q = strchr(p + 1, '{');
    size_t n = q ? (size_t)(q - p) : strlen(p);
    ASH_TRY(ash_buf_add(out, p, n));
    p += n;
  }
  return ASH_OK;
}
