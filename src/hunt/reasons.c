/* The reasons' catalogue: the sentence of every reason a hunt gives, in
 * English and in Japanese, side by side (as src/report/msg.c holds the
 * report's fixed strings). A hunt records a reason's id, its weight and
 * its arguments (hunt_why, common.c); its English text (the JSON's "text",
 * the summaries' "Why it scores") and the report's Japanese are rendered
 * from here, so the two languages say the same thing of the same values.
 *
 * An id is the reason's key (details.reasons[].reason, stable: tools and
 * the golden tests compare it), or "key.form" where one key is worded in
 * more than one way (the JSON then carries "form"). Placeholders: {1}..{9}
 * stand for the arguments as recorded (addresses, accounts, paths,
 * numbers: kept as they are in every language); {=1}..{=9} for an
 * argument that may be a term of TERMS below (a word the hunt chose, such
 * as "before"), rendered in the language, and as it is when it is no term
 * (a folder name). Each language's template takes the same arguments
 * (tests/unit/test_reasons.c checks, and renders every reason the hunts
 * give in both).
 *
 * The Japanese is written for a Japanese CSIRT responder: です・ます, the
 * values untouched. Both tables are sorted by id (binary search: a hunt
 * records reasons for every VPN session of a case). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/hunt.h"
#include "hunt_internal.h"

typedef struct entry {
  const char *id, *en, *ja;
} entry;

static const entry REASONS[] = {
    {"account_tied", "{1} reached {2} {=3} {4} {=5} the detection (tie score {6} of 100)",
     "{1} が検知の {4} {=5}に {2} に{=3}到達しています（結び付きのスコアは 100 点中 {6} 点）"},
    {"admin_at_jump_host", "{1} was itself logged on to {2} at the time",
     "その時刻、{1} 自身が {2} にログオンしていました"},
    {"admin_credentials_in_session",
     "{1}'s session logged on to {2} as {3}, an administrator: {=4}",
     "{1} のセッションから {2} に {3} としてログオンしています。{3} は管理者です（{=4}）"},
    {"admin_first_rdp",
     "the first RDP logon of {1} to {2}, an administrator who came the usual way: admins reach "
     "servers they never used as part of their work",
     "{1} から {2} への初めての RDP ログオンですが、{1} はいつもの方法で来た管理者です。管理者は業"
     "務として、それまで使ったことのないサーバにもログオンします"},
    {"admin_not_at_jump_host",
     "{1} was not logged on to {2} itself: its credentials were used there by whoever held it",
     "{1} 自身は {2} にログオンしていませんでした。{2} を握っていた者が、そこで {1} "
     "の認証情報を使っ"
     "ています"},
    {"agent_pool_peers",
     "{1} other internal hosts hold the same pattern to {2} on port {3}, as a service's agents do",
     "ほかに {1} 台の内部ホストが {2} のポート {3} へ同じパターンで通信しています。サービスのエー"
     "ジェントと同じ形です"},
    {"agent_pool_peers.cloud",
     "{1} other internal hosts hold the same pattern to {2} ({3}) on port {4}, as a service's "
     "agents "
     "do",
     "ほかに {1} 台の内部ホストが {2}（{3}）のポート {4} へ同じパターンで通信しています。サービス"
     "のエージェントと同じ形です"},
    {"beacon_duration", "seen across {1}% of the case or its hours (duration {2})",
     "ケースの期間（またはその時間帯）の {1}% にわたって見られます（継続性 {2}）"},
    {"beacon_hours", "connections evenly fill the hours they span (histogram {1})",
     "接続が期間中の各時間帯に均等に分布しています（ヒストグラム {1}）"},
    {"beacon_hours.uneven", "connections unevenly fill the hours they span (histogram {1})",
     "接続が期間中の時間帯に偏って分布しています（ヒストグラム {1}）"},
    {"beacon_schedule", "connections start on a schedule: every {1} (interval skew {2}, MAD {3})",
     "接続が一定の間隔で始まっています。{1} ごとです（間隔の歪度 {2}、MAD {3}）"},
    {"beacon_sizes", "connection sizes alike (size skew {1}, MAD {2})",
     "接続ごとのサイズがそろっています（サイズの歪度 {1}、MAD {2}）"},
    {"beacon_sizes.vary", "connection sizes vary (size skew {1}, MAD {2})",
     "接続ごとのサイズにばらつきがあります（サイズの歪度 {1}、MAD {2}）"},
    {"country_rare_among_peers", "and no other account of the organisation connects from {1}",
     "組織のほかのアカウントにも {1} から接続するものはありません"},
    {"credential_theft_or_c2_tool",
     "{1} is a credential-theft or command-and-control tool ({2}), not an admin utility",
     "{1} は認証情報の窃取または遠隔操作（C2）のツールで（{2}）、管理用のユーティリティではありませ"
     "ん"},
    {"detection_class.admin_tool",
     "a hacktool verdict for a licence crack or admin utility ({1}): it steals no credentials, and "
     "admins keep such tools",
     "ライセンス回避ツールまたは管理用ユーティリティに対する HackTool 判定です（{1}）。認証情報は盗"
     "まず、管理者が手元に置くことのあるツールです"},
    {"detection_class.high",
     "a hacktool, exploit or credential-theft verdict: on a server, someone put it there",
     "ハッキングツール、エクスプロイトまたは認証情報窃取の判定です。サーバ上にある以上、誰かが置い"
     "た"
     "ものです"},
    {"detection_class.low", "an adware, PUA or test-file verdict",
     "アドウェア、PUA またはテストファイルの判定です"},
    {"detection_class.mid", "a malware verdict", "マルウェアの判定です"},
    {"download_pull",
     "each connection downloads {1} and sends back {2}% of that, as an update or content pull does",
     "接続ごとに {1} をダウンロードし、送信はその {2}% です。更新やコンテンツの取得と同じ形です"},
    {"during_tunnel", "during a cloud tunnel of the host",
     "このホストのクラウドトンネルが張られている間の出来事です"},
    {"everyday_user",
     "{1}, the everyday user of {2} ({3} days), was there the usual way and no VPN session from "
     "elsewhere reached it",
     "{2} の日常的な利用者である {1} がいつもの方法で使っており（{3} 日）、ほかの場所からの VPN "
     "セッ"
     "ションは到達していません"},
    {"first_rdp_to_host",
     "the first RDP logon of {1} to {2}, which it had only used by SMB or at the console",
     "{1} から {2} への初めての RDP ログオンです。それまでは SMB またはコンソールでしか使っていませ"
     "んでした"},
    {"first_rdp_to_host.history",
     "the first RDP logon of {1} to {2}: {3} days of logons there before, {=4} only",
     "{1} から {2} への初めての RDP ログオンです。それ以前にも {3} 日間のログオンがありましたが、"
     "RDP ではありませんでした（{=4}）"},
    {"first_vpn_session", "the account's first VPN session in these logs",
     "これらのログにおける、このアカウントの最初の VPN セッションです"},
    {"habitual_access",
     "{1} is the everyday user of {2} ({3} days, {=4}) and came the same way, from a known source",
     "{1} は {2} の日常的な利用者で（{3} 日、{=4}）、いつもと同じ方法で既知の接続元から来ています"},
    {"hop_from_suspicious_session",
     "{1} logged on from {2} to other hosts while {3}'s VPN session from {4} held {2}",
     "{3} の VPN セッション（接続元 {4}）が {2} を握っている間に、{1} が {2} からほかのホストへログ"
     "オンしています"},
    {"impossible_travel", "at once from {1} ({2}) while its session from {3} ({4}) was still up",
     "{3}（{4}）からのセッションがまだ続いている間に、{1}（{2}）から接続しています"},
    {"impossible_travel.hour",
     "within the hour from {1} ({2}) while its session from {3} ({4}) had just ended",
     "{3}（{4}）からのセッションが終わって 1 時間以内に、{1}（{2}）から接続しています"},
    {"infra_protocol", "port {1} is a protocol that polls on a schedule by design ({2})",
     "ポート {1} は、仕様として定期的にポーリングするプロトコルです（{2}）"},
    {"known_vpn_source", "{1} is an address it connects from",
     "{1} はこのアカウントが普段から接続に使うアドレスです"},
    {"long_connection", "connected {1} in all (over RITA's {2}-hour long-connection threshold)",
     "接続時間は合計 {1} です（RITA の長時間接続のしきい値 {2} 時間を超えています）"},
    {"loopback_logon", "RDP logon from the host itself",
     "ホスト自身を接続元とする RDP ログオンです"},
    {"low_class_cap", "adware, PUA and test files rank medium at most",
     "アドウェア、PUA、テストファイルの重要度は最大でも「中」とします"},
    {"many_accounts", "2 or more accounts", "2 つ以上のアカウントが使われています"},
    {"many_connections", "{1} connections", "接続が {1} 回あります"},
    {"many_internal_hosts", "{1} internal hosts talk to this address, as to a service",
     "{1} 台の内部ホストがこのアドレスと通信しています。サービスへの通信と同じ形です"},
    {"many_logons", "3 or more such logons", "そのようなログオンが 3 回以上あります"},
    {"meets_other_findings", "{1} other high findings meet the account",
     "重要度「高」以上のほかの検出結果 {1} 件がこのアカウントに関わっています"},
    {"meets_other_findings.admin",
     "{1} other high findings meet the account, an administrator who logs on to most hosts",
     "重要度「高」以上のほかの検出結果 {1} 件がこのアカウントに関わっていますが、このアカウントはほ"
     "とんどのホストにログオンする管理者です"},
    {"meets_other_findings.admin_one",
     "{1} other high finding meet the account, an administrator who logs on to most hosts",
     "重要度「高」以上のほかの検出結果 {1} 件がこのアカウントに関わっていますが、このアカウントはほ"
     "とんどのホストにログオンする管理者です"},
    {"meets_other_findings.one", "{1} other high finding meet the account",
     "重要度「高」以上のほかの検出結果 {1} 件がこのアカウントに関わっています"},
    {"new_country", "from {1}, a country none of its {2} earlier sessions came from",
     "接続元の国は {1} で、それ以前の {2} 回のセッションにはなかった国です"},
    {"new_host_reached", "the session reached {1}, where {2} had never logged on before",
     "セッションが {1} に到達しています。{2} がそれまで一度もログオンしたことのないホストです"},
    {"new_target_for_account", "{1} had never logged on to some of them before",
     "{1} は、そのうちのいくつかのホストにそれまで一度もログオンしたことがありません"},
    {"new_vpn_network", "nor was any address of its /24 (IPv6 /48)",
     "同じ /24（IPv6 では /48）のアドレスからの接続もありません"},
    {"new_vpn_network.link", "not even the /24 (or /48) of {1} had been seen for it",
     "{1} の /24（または /48）からの接続も見られません"},
    {"new_vpn_source", "{1} was never the source of its {2} earlier sessions",
     "{1} は、このアカウントのそれ以前の {2} 回のセッションで一度も接続元になっていません"},
    {"new_vpn_source.few", "{1} was never the source of its {2} earlier sessions (few to judge by)",
     "{1} は、このアカウントのそれ以前の {2} 回のセッションで一度も接続元になっていません（判断材料"
     "のセッションは少数です）"},
    {"new_vpn_source.link",
     "the VPN session came from {1}, never seen in the account's {2} earlier sessions",
     "VPN セッションの接続元 {1} は、このアカウントのそれ以前の {2} "
     "回のセッションには見られません"},
    {"no_account", "no account could be tied to it from these logs",
     "これらのログからは、結び付くアカウントが見つかりません"},
    {"no_loopback_logon", "no RDP logon from the host itself in the case",
     "ケース内に、ホスト自身を接続元とする RDP ログオンはありません"},
    {"not_a_user_of_host", "{1} does not normally use {2} ({=3})",
     "{1} は普段 {2} を使っていません（{=3}）"},
    {"off_hours", "it started at {1}:00 UTC, when the account starts under 5% of its {2} sessions",
     "開始は {1}:00 UTC です。このアカウントの {2} "
     "回のセッションのうち、この時間帯に始まったものは "
     "5% 未満です"},
    {"off_hours.link", "{1} logs on at that hour of the day (UTC) in under 5% of its {2} logons",
     "{1} がこの時間帯（UTC）にログオンするのは、{2} 回のログオンのうち 5% 未満です"},
    {"other_account_in_session", "{1}'s session logged on to {2} as {3}",
     "{1} のセッションから {2} に {3} としてログオンしています"},
    {"own_profile_path",
     "the file is in {1}'s own profile ({2}) and the antivirus saw it as that user",
     "ファイルは {1} "
     "自身のプロファイル内（{2}）にあり、ウイルス対策ソフトもそのユーザーとして検知し"
     "ています"},
    {"privileged_account", "{1} is an administrator: {=2}", "{1} は管理者です（{=2}）"},
    {"provider_endpoint", "the address is a {1} {2} endpoint, run by the provider",
     "このアドレスは、事業者自身が運用する {1} {2} のエンドポイントです"},
    {"reached_domain_controller", "one of the hosts is a domain controller",
     "ログオン先の一つはドメインコントローラです"},
    {"relay_base",
     "a program relays RDP on the host: how a backdoor carries RDP in, and how an admin's port "
     "proxy looks too",
     "ホスト上のプログラムが RDP を中継しています。バックドアが RDP を持ち込む手口で、管理者の"
     "ポートプロキシも同じに見えます"},
    {"relay_cap", "held at {1}: a relay alone, without a logon through it, stays within 20 to 80",
     "{1} 点に留めます。経由したログオンのない中継だけでは 20〜80 点の範囲とします"},
    {"relay_connection", "the relaying program connected to the RDP port",
     "中継プログラムが RDP ポートに接続しています"},
    {"relay_record", "{=1}", "{=1}"},
    {"relay_record.also", "{=1}, which says the same again (a quarter of its weight)",
     "{=1}（同じことを重ねて示すので、重みは 4 分の 1 です）"},
    {"relay_setup", "a relay was set up on the host", "ホスト上で中継が設定されています"},
    {"rentable_cloud_source", "{1} is a rentable {2} {3} {4} address",
     "{1} は、誰でも借りられる {2} {3} {4} のアドレスです"},
    {"rentable_cloud_source.noregion", "{1} is a rentable {2} {3} address",
     "{1} は、誰でも借りられる {2} {3} のアドレスです"},
    {"rentable_compute", "the address is in {1} {2}, where anyone can rent a machine",
     "このアドレスは {1} {2} にあり、誰でもマシンを借りられる範囲です"},
    {"repeated_new_sources",
     "after its first such session {1} came back {2} times over VPN from new addresses",
     "{1} は最初の不審なセッションの後も、新しいアドレスから VPN で {2} 回戻ってきています"},
    {"return_after_past_incident", "it came after {1} finding {2} tied the account to {=3}",
     "{1} の検出結果 {2}（{=3}）がこのアカウントを過去の検知に結び付けた後の接続です"},
    {"returned_from_new_source", "{1} came back over VPN later from new addresses",
     "{1} はその後、新しいアドレスから VPN で再び接続しています"},
    {"returned_to_detection_host", "back on {1}, where {2} found the tool tied to the account",
     "{1} に戻っています。{2} がこのアカウントに結び付けたツールの見つかったホストです"},
    {"returned_to_host",
     "back on {1}, which an earlier suspicious session of the account reached first",
     "{1} に戻っています。このアカウントの以前の不審なセッションが最初に到達したホストです"},
    {"returns_after_past_incident",
     "{1} of those sessions came after {2} finding {3} tied {4} to {=5}",
     "そのうち {1} 回のセッションは、{2} の検出結果 {3}（{=5}）が {4} "
     "を過去の検知に結び付けた後のものです"},
    {"second_internal_host", "another internal host talks to this address",
     "このアドレスと通信する内部ホストがもう 1 台あります"},
    {"session_in_past_incident", "{1} finding {2} ties this session to {=3}",
     "{1} の検出結果 {2}（{=3}）が、このセッションを過去の検知に結び付けています"},
    {"session_suspicion", "account-use scores {1}'s sessions {2} of 100",
     "account-use は {1} のセッションを 100 点中 {2} 点と評価しています"},
    {"short_host_history",
     "the logs of {1} begin less than a week before the detection: too little to say who "
     "normally uses it",
     "{1} のログは検知の 1 週間前より後から始まっています。普段だれが使っているかを判断するには"
     "短すぎます"},
    {"single_internal_host", "no other internal host talks to this address",
     "このアドレスと通信する内部ホストはほかにありません"},
    {"source_shared_with_peers",
     "{1} other accounts connect from {2} too (an office or shared network)",
     "ほかに {1} 個のアカウントも {2} から接続しています（事業所または共有のネットワークです）"},
    {"staging_path", "the file sat in {=1} ({2}), which anyone can write and no one downloads to",
     "ファイルは "
     "{=1}（{2}）にありました。誰でも書き込めて、普通はダウンロード先にならない場所です"},
    {"system_detection_user",
     "the detection user is {1}, a system or service account, not a person",
     "検知時のユーザーは {1} です。人ではなく、システムまたはサービスのアカウントです"},
    {"tunnel_beacon",
     "it reconnects on a fixed schedule (every {1}) to a rare rentable address, as a beacon does",
     "誰でも借りられるまれな宛先へ一定の間隔（{1} "
     "ごと）で接続し直しています。ビーコンと同じ形です"},
    {"tunnel_cloud", "the address is in {1} {2}, where anyone can rent a machine",
     "宛先は {1} の {2} にあり、誰でもマシンを借りられる範囲です"},
    {"tunnel_cloud.provider", "the address is a {1} {2} endpoint, run by the provider",
     "宛先は {1} が自ら運用する {2} のエンドポイントです"},
    {"tunnel_cloud.unknown",
     "the address is in no published cloud range (or the ranges data is missing)",
     "宛先は公開されているどのクラウドのアドレス範囲にも含まれません（範囲データがない可能性もあり"
     "ます）"},
    {"tunnel_host_rdp", "RDP logons from the host itself during the sessions ({1})",
     "セッション中に、ホスト自身を接続元とする RDP ログオンが {1} 件あります"},
    {"tunnel_host_relay", "{1} connects to the host's own RDP port over loopback",
     "{1} がループバック経由でホスト自身の RDP ポートに接続しています"},
    {"tunnel_interactive",
     "an interactive shape: {1}% of the bytes out, {2} B/s, bursts varying {3}x their mean",
     "対話的な通信の形です。送信が全体の {1}%、{2} B/s で、区間ごとの量が平均の {3} "
     "倍の幅で変動しています"},
    {"tunnel_keepalive", "little more than keep-alives ({1} B/s)",
     "キープアライブ程度の通信量しかありません（{1} B/s）"},
    {"tunnel_one_way", "traffic goes one way, as a bulk transfer does, not a tunnel",
     "通信がほぼ一方向で、トンネルではなく一括転送の形です"},
    {"tunnel_persistence", "sessions held long: the longest {1}, on {2} days, {3} connected in all",
     "長時間のセッションです。最長 {1}、{2} 日にわたり、接続時間は合計 {3} です"},
    {"tunnel_quiet_host",
     "the host reaches {1} internet destinations in the case (the fewer, the more a long session "
     "stands out)",
     "このホストがケース中に通信したインターネット上の宛先は {1} "
     "件です（少ないほど長時間のセッションが目立ちます）"},
    {"tunnel_rarity", "no other internal host holds such sessions to this address or its network",
     "この宛先やそのネットワークに同じようなセッションを張る内部ホストは、ほかにありません"},
    {"tunnel_rarity.shared",
     "{1} internal hosts hold such sessions to the address or its network, as a shared service's "
     "clients do",
     "{1} "
     "台の内部ホストがこの宛先やそのネットワークに同じようなセッションを張っています。共有サービス"
     "の利用者と同じ形です"},
    {"tunnel_schedule",
     "sessions start on a fixed schedule (every {1}), as a program's job or agent does",
     "セッションは一定の間隔（{1} "
     "ごと）で始まっています。プログラムのジョブやエージェントと同じ形です"},
    {"tunnel_shared_cap",
     "low at most: {1} internal hosts hold such sessions alike, a service the organisation uses",
     "最大でも low とします。{1} "
     "台の内部ホストが同じようなセッションを張っており、組織で使っているサービスと見られます"},
    {"tunnel_uncorroborated_cap",
     "medium at most: nothing on the host corroborates a tunnel (no RDP logon from the host "
     "itself, no loopback connection to its RDP port), and a vendor's support session looks the "
     "same from the firewall",
     "最大でも medium とします。ホスト側にトンネルを裏付けるもの（ホスト自身からの RDP "
     "ログオン、RDP "
     "ポートへのループバック接続）がなく、ベンダーのリモートサポートもファイアウォールからは同じに"
     "見えます"},
    {"usual_hosts", "it reached only hosts {1} uses regularly",
     "{1} が日常的に使うホストにしか到達していません"},
    {"usual_vpn_source",
     "the VPN session came from {1}, an address the account used before ({2} earlier sessions)",
     "VPN セッションの接続元 {1} は、このアカウントが以前にも使ったアドレスです（それ以前のセッショ"
     "ン {2} 回）"},
    {"vpn_login", "a VPN session of {1} from {=2}", "{1} の {=2} からの VPN セッションです"},
};

/* The words a hunt chooses between, for {=n}. The id is what the JSON's
 * args carry: for the words of other programs (relay kinds) their English
 * name itself. */
static const entry TERMS[] = {
    {"PortProxy registry value", "PortProxy registry value", "PortProxy のレジストリ値"},
    {"after", "after", "後"},
    {"before", "before", "前"},
    {"chisel R:", "chisel R:", "chisel R:（リバースフォワード）"},
    {"connection to the host's own RDP port", "connection to the host's own RDP port",
     "ホスト自身の RDP ポートへの接続"},
    {"habit.few", "logons there on only 1-2 other days", "ほかの日のログオンは 1～2 日だけです"},
    {"habit.none", "no logons there on any other day", "ほかの日のログオンはありません"},
    {"habit.not_before", "no logons there before that day", "その日より前のログオンはありません"},
    {"kinds.all", "by SMB, RDP and at the console", "SMB、RDP、コンソール"},
    {"kinds.console", "at the console", "コンソール"},
    {"kinds.none", "no logons", "ログオンなし"},
    {"kinds.rdp", "by RDP", "RDP"},
    {"kinds.rdp_console", "by RDP and at the console", "RDP とコンソール"},
    {"kinds.smb", "by SMB", "SMB"},
    {"kinds.smb_console", "by SMB and at the console", "SMB とコンソール"},
    {"kinds.smb_rdp", "by SMB and RDP", "SMB と RDP"},
    {"netsh portproxy add", "netsh portproxy add", "netsh portproxy add（中継の設定）"},
    {"netsh portproxy delete/reset", "netsh portproxy delete/reset",
     "netsh portproxy delete/reset（中継の削除）"},
    {"past_detection", "a past detection", "過去の検知"},
    {"plink -R", "plink -R", "plink -R（リモートフォワード）"},
    {"priv.4672", "given special privileges at logon (4672)",
     "ログオン時に特権が割り当てられています：4672"},
    {"priv.dc", "logs on to a domain controller", "ドメインコントローラにログオンしています"},
    {"priv.name", "named as an admin account", "管理者アカウントの名前です"},
    {"ssh -R", "ssh -R", "ssh -R（リモートフォワード）"},
    {"stage.drive_root", "a drive root", "ドライブのルート"},
    {"stage.recycle", "the recycle bin", "ごみ箱"},
    {"stage.share_root", "a share root", "共有フォルダのルート"},
    {"stage.temp", "a Temp folder", "Temp フォルダ"},
    {"unknown_address", "an unknown address", "不明なアドレス"},
    /* the ways a logon came (linkage.c type_words); in Japanese they sit
     * between "に" and "到達" */
    {"via.flow", "over the network", " ネットワーク経由で"},
    {"via.inter", "interactively", " 対話的に"},
    {"via.net", "over the network (SMB)", " ネットワーク経由（SMB）で"},
    {"via.rdp", "by RDP", " RDP で"},
    {"via.rdpflow", "by RDP (firewall flows to port 3389)",
     " RDP で（ファイアウォールに記録された 3389 番ポートへの通信）"},
    {"via.smbflow", "over SMB (firewall flows to port 445)",
     " SMB で（ファイアウォールに記録された 445 番ポートへの通信）"},
};

#define NREASONS (sizeof REASONS / sizeof REASONS[0])
#define NTERMS (sizeof TERMS / sizeof TERMS[0])

static const entry *find(const entry *v, size_t n, const char *id, size_t idn) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strncmp(v[mid].id, id, idn);
    if (!c && v[mid].id[idn]) c = 1; /* v[mid].id is longer */
    if (c < 0)
      lo = mid + 1;
    else if (c > 0)
      hi = mid;
    else
      return &v[mid];
  }
  return NULL;
}

const char *hunt_term(const char *id, ash_lang lang) {
  const entry *e = find(TERMS, NTERMS, id, strlen(id));
  return e ? (lang == ASH_LANG_JA ? e->ja : e->en) : id;
}

/* The arguments a template takes: its highest placeholder (every one
 * below it must be used too: test_reasons checks). */
static size_t nargs_of(const char *t) {
  size_t n = 0;
  for (const char *p = t; (p = strchr(p, '{')); p++) {
    const char *q = p + 1 + (p[1] == '=');
    if (*q >= '1' && *q <= '9' && q[1] == '}' && (size_t)(*q - '0') > n) n = (size_t)(*q - '0');
  }
  return n;
}

/* Call emit with the pieces of template t with args: the catalogue's text
 * as it is, each argument as recorded, each term in lang. */
static int expand(const char *t, ash_lang lang, const char *const *args, size_t nargs,
                  int (*emit)(void *u, const char *s, size_t n), void *u) {
  int rc = ASH_OK;
  while (*t && !rc) {
    const char *q = t + 1 + (t[1] == '=');
    if (t[0] == '{' && *q >= '1' && *q <= '9' && q[1] == '}') {
      size_t k = (size_t)(*q - '1');
      const char *a = k < nargs && args[k] ? args[k] : "";
      if (t[1] == '=') a = hunt_term(a, lang);
      rc = emit(u, a, strlen(a));
      t = q + 2;
      continue;
    }
    const char *e = strchr(t + 1, '{');
    size_t n = e ? (size_t)(e - t) : strlen(t);
    rc = emit(u, t, n);
    t += n;
  }
  return rc;
}

/* The entry of key (and form, NULL or "" for none). */
static const entry *reason_of(const char *key, const char *form) {
  char id[128];
  int n = snprintf(id, sizeof id, "%s%s%s", key, form && *form ? "." : "", form ? form : "");
  if (n < 0 || (size_t)n >= sizeof id) return NULL;
  return find(REASONS, NREASONS, id, (size_t)n);
}

static int emit_buf(void *u, const char *s, size_t n) { return ash_buf_add(u, s, n); }

int ash_reason_render(ash_lang lang, const char *key, const char *form, const char *const *args,
                      size_t nargs, ash_buf *out) {
  const entry *e = key ? reason_of(key, form) : NULL;
  if (!e) return ASH_ENOTFOUND;
  const char *t = lang == ASH_LANG_JA ? e->ja : e->en;
  if (nargs_of(t) != nargs) return ASH_EFORMAT;
  return expand(t, lang, args, nargs, emit_buf, out);
}

int ash_reason_nargs(const char *key, const char *form) {
  const entry *e = key ? reason_of(key, form) : NULL;
  return e ? (int)nargs_of(e->en) : -1;
}

const char *ash_reason_entry(size_t i, const char **en, const char **ja) {
  if (i >= NREASONS) return NULL;
  *en = REASONS[i].en;
  *ja = REASONS[i].ja;
  return REASONS[i].id;
}

const char *ash_reason_term(size_t i, const char **en, const char **ja) {
  if (i >= NTERMS) return NULL;
  *en = TERMS[i].en;
  *ja = TERMS[i].ja;
  return TERMS[i].id;
}

/* ---- what the hunts record (hunt_internal.h) ---- */

const char *hunt_arg_fmt(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return buf;
}

void hunt_why_v(hunt_reasons *R, const char *id, int weight, const char *const *args) {
  if (R->n >= HUNT_MAX_REASONS) return;
  hunt_reason *r = &R->r[R->n++];
  r->id = id;
  r->weight = weight;
  r->nargs = 0;
  size_t used = 0;
  for (size_t i = 0; args[i] && i < HUNT_REASON_ARGS; i++) {
    size_t room = sizeof r->a - used - 1, n = strlen(args[i]);
    if (n > room) {
      n = room;
      while (n && ((unsigned char)args[i][n] & 0xc0) == 0x80) n--; /* whole characters */
    }
    memcpy(r->a + used, args[i], n);
    r->a[used + n] = 0;
    r->arg[r->nargs++] = (uint16_t)used;
    used += n + 1;
    if (used >= sizeof r->a) break;
  }
}

void hunt_reason_key(const hunt_reason *r, char out[64]) {
  const char *dot = strchr(r->id, '.');
  size_t n = dot ? (size_t)(dot - r->id) : strlen(r->id);
  snprintf(out, 64, "%.*s", (int)n, r->id);
}

struct fixed {
  char *p;
  size_t n, cap;
};
static int emit_fixed(void *u, const char *s, size_t n) {
  struct fixed *f = u;
  if (f->n + n >= f->cap) {
    n = f->cap - 1 - f->n;
    while (n && ((unsigned char)s[n] & 0xc0) == 0x80) n--; /* whole characters */
  }
  memcpy(f->p + f->n, s, n);
  f->n += n;
  return ASH_OK;
}

void hunt_reason_args(const hunt_reason *r, const char *out[HUNT_REASON_ARGS]) {
  for (size_t i = 0; i < r->nargs; i++) out[i] = r->a + r->arg[i];
}

void hunt_reason_text(const hunt_reason *r, char *out, size_t n) {
  if (!n) return;
  const entry *e = find(REASONS, NREASONS, r->id, strlen(r->id));
  const char *args[HUNT_REASON_ARGS];
  hunt_reason_args(r, args);
  struct fixed f = {out, 0, n};
  /* an id missing from the catalogue is a hunt's bug (test_reasons fails
   * on it): the id itself is the least wrong text */
  expand(e ? e->en : r->id, ASH_LANG_EN, args, r->nargs, emit_fixed, &f);
  out[f.n] = 0;
}

void hunt_why_cloud(hunt_reasons *R, int weight, const char *addr, const ash_cloud *cl) {
  if (cl->region[0])
    hunt_why(R, "rentable_cloud_source", weight, addr, cl->provider, cl->service, cl->region);
  else
    hunt_why(R, "rentable_cloud_source.noregion", weight, addr, cl->provider, cl->service);
}
