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
#include "ashiato/limits.h"
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
    {"return_after_past_incident", "it came after {1} finding {2} tied the account to {@2=3}",
     "{1} の検出結果 {2}（{@2=3}）がこのアカウントを過去の検知に結び付けた後の接続です"},
    {"returned_from_new_source", "{1} came back over VPN later from new addresses",
     "{1} はその後、新しいアドレスから VPN で再び接続しています"},
    {"returned_to_detection_host", "back on {1}, where {2} found the tool tied to the account",
     "{1} に戻っています。{2} がこのアカウントに結び付けたツールの見つかったホストです"},
    {"returned_to_host",
     "back on {1}, which an earlier suspicious session of the account reached first",
     "{1} に戻っています。このアカウントの以前の不審なセッションが最初に到達したホストです"},
    {"returns_after_past_incident",
     "{1} of those sessions came after {2} finding {3} tied {4} to {@3=5}",
     "そのうち {1} 回のセッションは、{2} の検出結果 {3}（{@3=5}）が {4} "
     "を過去の検知に結び付けた後のものです"},
    {"second_internal_host", "another internal host talks to this address",
     "このアドレスと通信する内部ホストがもう 1 台あります"},
    {"session_in_past_incident", "{1} finding {2} ties this session to {@2=3}",
     "{1} の検出結果 {2}（{@2=3}）が、このセッションを過去の検知に結び付けています"},
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
 * name itself. The ways a logon came (linkage.c type_term: via.*) and a
 * session reached a host (account_use.c: reach.*, "reach.other" said in no
 * words) sit between "に" and "到達" in Japanese; contact.* are the same
 * ways where they stand alone. Sorted by id. */
static const entry TERMS[] = {
    {"1149 RDP authentication (RemoteConnectionManager)",
     "1149 RDP authentication (RemoteConnectionManager)",
     "1149 RDP 認証（RemoteConnectionManager）"},
    {"4624 LogonType 10 (RDP)", "4624 LogonType 10 (RDP)", "4624 LogonType 10（RDP）"},
    {"4624 LogonType 12 (cached RDP)", "4624 LogonType 12 (cached RDP)",
     "4624 LogonType 12（キャッシュされた資格情報での RDP）"},
    {"LSM 21 RDP session logon", "LSM 21 RDP session logon", "LSM 21 RDP セッションのログオン"},
    {"LSM 22 RDP shell start", "LSM 22 RDP shell start", "LSM 22 RDP シェルの開始"},
    {"LSM 24 RDP session disconnected", "LSM 24 RDP session disconnected",
     "LSM 24 RDP セッションの切断"},
    {"LSM 25 RDP session reconnected", "LSM 25 RDP session reconnected",
     "LSM 25 RDP セッションの再接続"},
    {"PortProxy registry value", "PortProxy registry value", "PortProxy のレジストリ値"},
    {"RdpCoreTS 131 RDP connection accepted", "RdpCoreTS 131 RDP connection accepted",
     "RdpCoreTS 131 RDP 接続の受け付け"},
    {"after", "after", "後"},
    {"before", "before", "前"},
    {"chisel R:", "chisel R:", "chisel R:（リバースフォワード）"},
    {"connection to the host's own RDP port", "connection to the host's own RDP port",
     "ホスト自身の RDP ポートへの接続"},
    {"contact.av", "named by the antivirus", "ウイルス対策ソフトの記録による"},
    {"contact.flow", "over the network", "ネットワーク経由"},
    {"contact.inter", "interactively", "対話型ログオン"},
    {"contact.net", "over the network (SMB)", "ネットワーク経由（SMB）"},
    {"contact.rdp", "by RDP", "RDP"},
    {"contact.rdpflow", "by RDP (firewall flows to port 3389)",
     "RDP（ファイアウォールに記録された 3389 番ポートへの通信）"},
    {"contact.smbflow", "over SMB (firewall flows to port 445)",
     "SMB（ファイアウォールに記録された 445 番ポートへの通信）"},
    {"earlier", "earlier", "前"},
    {"form.ascii", "ASCII", "ASCII"},
    {"form.dn", "as LDAP DN", "LDAP DN 形式"},
    {"form.unc", "as \\\\server\\", "\\\\server\\ 形式"},
    {"form.user", "as DOMAIN\\user", "DOMAIN\\user 形式"},
    {"form.wide", "UTF-16LE", "UTF-16LE"},
    {"ft.Document", "Document", "文書"},
    {"ft.ELF executable", "ELF executable", "ELF 実行ファイル"},
    {"ft.File", "File", "ファイル"},
    {"ft.MS-DOS executable", "MS-DOS executable", "MS-DOS 実行ファイル"},
    {"ft.Mach-O executable", "Mach-O executable", "Mach-O 実行ファイル"},
    {"ft.PE32 DLL", "PE32 DLL", "PE32 DLL"},
    {"ft.PE32 executable", "PE32 executable", "PE32 実行ファイル"},
    {"ft.PE32+ DLL", "PE32+ DLL", "PE32+ DLL"},
    {"ft.PE32+ executable", "PE32+ executable", "PE32+ 実行ファイル"},
    {"ft.Script", "Script", "スクリプト"},
    {"ft.binary data", "binary data", "バイナリデータ"},
    {"ft.document", "document", "文書"},
    {"ft.script", "script", "スクリプト"},
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
    {"later", "later", "後"},
    {"level.critical", "critical", "緊急"},
    {"level.high", "high", "高"},
    {"level.informational", "informational", "情報"},
    {"level.low", "low", "低"},
    {"level.medium", "medium", "中"},
    {"name.account", "account", "アカウント"},
    {"name.address", "address", "アドレス"},
    {"name.admin", "admin account", "管理者アカウント"},
    {"name.dc", "domain controller", "ドメインコントローラ"},
    {"name.domain", "domain", "ドメイン"},
    {"name.host", "host", "ホスト"},
    {"name.netbios", "NetBIOS domain", "NetBIOS ドメイン名"},
    {"name.other", "name", "名前"},
    {"name.range_address", "address in the range", "範囲内のアドレス"},
    {"name.server", "server", "サーバ"},
    {"name.service", "service account", "サービスアカウント"},
    {"name.share", "share", "共有フォルダ"},
    {"name.url", "internal URL", "内部 URL"},
    {"netsh portproxy add", "netsh portproxy add", "netsh portproxy add（中継の設定）"},
    {"netsh portproxy delete/reset", "netsh portproxy delete/reset",
     "netsh portproxy delete/reset（中継の削除）"},
    {"past_detection", "a past detection", "過去の検知"},
    {"plink -R", "plink -R", "plink -R（リモートフォワード）"},
    {"priv.4672", "given special privileges at logon (4672)",
     "ログオン時に特権が割り当てられています：4672"},
    {"priv.dc", "logs on to a domain controller", "ドメインコントローラにログオンしています"},
    {"priv.name", "named as an admin account", "管理者アカウントの名前です"},
    {"reach.other", "", ""},
    {"reach.rdp", "by RDP", " RDP で"},
    {"reach.smb", "over SMB", " SMB で"},
    {"sigma.nohost", "(no host)", "（ホスト不明）"},
    {"sigma.unnamed_host", "an unnamed host", "名前の分からないホスト"},
    {"ssh -R", "ssh -R", "ssh -R（リモートフォワード）"},
    {"stage.drive_root", "a drive root", "ドライブのルート"},
    {"stage.recycle", "the recycle bin", "ごみ箱"},
    {"stage.share_root", "a share root", "共有フォルダのルート"},
    {"stage.temp", "a Temp folder", "Temp フォルダ"},
    {"threat.unknown", "A threat", "脅威"},
    {"unit.days", "days", "日"},
    {"unit.hours", "hours", "時間"},
    {"unit.months", "months", "か月"},
    {"unknown_address", "an unknown address", "不明なアドレス"},
    {"unnamed_program", "a program", "不明なプログラム"},
    {"unnamed_program.an", "an unnamed program", "名前の分からないプログラム"},
    {"via.flow", "over the network", " ネットワーク経由で"},
    {"via.inter", "interactively", " 対話的に"},
    {"via.net", "over the network (SMB)", " ネットワーク経由（SMB）で"},
    {"via.rdp", "by RDP", " RDP で"},
    {"via.rdpflow", "by RDP (firewall flows to port 3389)",
     " RDP で（ファイアウォールに記録された 3389 番ポートへの通信）"},
    {"via.smbflow", "over SMB (firewall flows to port 445)",
     " SMB で（ファイアウォールに記録された 445 番ポートへの通信）"},
};

/* The pieces of the findings' titles and summaries (hunt_say): ids are
 * "<hunt>.title...", "<hunt>.sum..." (tunnel, loop, relay, link, acct,
 * hop, beacon, sigma), and "why..." for the reasons listed in a summary
 * (hunt_say_why: heading, each reason with {1} its signed weight and {2}
 * its sentence, what stands between two, what ends the list). The English
 * of the pieces of one finding, one after the other, is its title or
 * summary as the hunt has always written it, spaces and stops included:
 * an English piece often begins with the space or the ". " that joins it
 * to the one before, and the Japanese of the same piece with what joins
 * it there in Japanese (「。」 where the English has ". "). Sorted by id
 * (tests/unit/test_reasons.c checks). */
static const entry TEXTS[] = {
    {"acct.sum.head", "{1} used the VPN {2} time{2||s} in a way its own history does not explain:",
     "{1} は、自身の利用履歴では説明のつかない形で VPN を {2} 回使っています。"},
    {"acct.sum.more", "; and {1} more", "。ほかに {1} 回"},
    {"acct.sum.past", " The same account is tied to an earlier detection: {@1=2}.",
     "このアカウントは、以前の検知（{@1=2}）にも結び付いています。"},
    {"acct.sum.sess", " {t1} from {2}", "{t1}、{2} から"},
    {"acct.sum.sess.as", " as {1}", "（{1} として）"},
    {"acct.sum.sess.country", " ({1})", "（{1}）"},
    {"acct.sum.sess.dur", ", {1}", "、{1} 間"},
    {"acct.sum.sess.new", ", a new address", "、初めて使うアドレス"},
    {"acct.sum.sess.reach", ": reached {1} {=2}", "。{1} に{=2}到達"},
    {"acct.sum.sess.reach.next", ", {1} {=2}", "、{1} に{=2}到達"},
    {"acct.sum.sess.sep", ";", "。"},
    {"acct.sum.sess.tunnel", ", tunnel {1}", "、トンネル {1}"},
    {"acct.sum.stop", ".", "。"},
    {"acct.title.countries", " ({1})", "（{1}）"},
    {"acct.title.hosts", " and reached {1}", "、{1} に到達"},
    {"acct.title.login", "{1} logged in over VPN from {2}", "{1} が {2} から VPN でログイン"},
    {"acct.title.login.new", "{1} logged in over VPN from a new address {2}",
     "{1} が新しいアドレス {2} から VPN でログイン"},
    {"acct.title.returns", "{1} came back {2} times over VPN from new addresses",
     "{1} が新しいアドレスから VPN で {2} 回戻ってきた"},
    {"beacon.sum.advice",
     " Find the program making these connections on the host and block the address at the "
     "perimeter.",
     "ホスト上でこれらの接続を行っているプログラムを突き止め、境界でこのアドレスを遮断してください"
     "。"},
    {"beacon.sum.head",
     " made {1} connection{1||s} to {2}:{3} between {t4} and {t5}, {6} connected in all, {7} out "
     "and {8} in.",
     "は {t4} から {t5} までに {2}:{3} へ {1} 回接続しています。接続時間は合計 {6}、送信 {7}、受信 "
     "{8} です。"},
    {"beacon.sum.rita",
     " They start every {1} with beacon score {2} (RITA's four subscores: timestamps {3}, sizes "
     "{4}, histogram {5}, duration {6}).",
     "接続は {1} ごとに始まり、ビーコンスコアは {2} です（RITA の 4 つの部分スコア：タイムスタンプ "
     "{3}、サイズ {4}、ヒストグラム {5}、継続性 {6}）。"},
    {"beacon.sum.who", "{1}", "{1} "},
    {"beacon.sum.who.host", "{1} ({2})", "{1}（{2}）"},
    {"beacon.title", "{1} beacons to {2}:{3} every {4}",
     "{1} から {2}:{3} への {4} 間隔のビーコン"},
    {"beacon.title.long", "Long connections from {1} to {2}:{3} ({4})",
     "{1} から {2}:{3} への長時間接続（{4}）"},
    {"hop.sum.country", " ({1})", "（{1}）"},
    {"hop.sum.hop",
     " with tunnel address {1} and reached {2}. From {2}, {3} logged on to {4} from {t5} on. "
     "Chain: {6} -> VPN {1} -> {2} -> {3}'s credentials -> {4}. Reset {3} and {6}, and review "
     "every host {3} reached.",
     "。トンネルアドレスは {1} で、{2} に到達しています。{t5} 以降、{2} から {3} のアカウントで "
     "{4} にログオンしています。連鎖：{6} → VPN {1} → {2} → {3} の認証情報 → {4}。{3} と {6} "
     "のパスワードをリセットし、{3} が到達したすべてのホストを確認してください。"},
    {"hop.sum.hop.admin",
     " with tunnel address {1} and reached {2}. From {2}, the administrator {3} logged on to {4} "
     "from {t5} on. Chain: {6} -> VPN {1} -> {2} -> {3}'s credentials -> {4}. Reset {3} and {6}, "
     "and review every host {3} reached.",
     "。トンネルアドレスは {1} で、{2} に到達しています。{t5} 以降、{2} から管理者 {3} "
     "のアカウントで {4} にログオンしています。連鎖：{6} → VPN {1} → {2} → {3} の認証情報 → "
     "{4}。{3} と {6} のパスワードをリセットし、{3} が到達したすべてのホストを確認してください。"},
    {"hop.sum.vpn", "{1} connected over VPN at {t2} from {3}",
     "{1} が {t2} に {3} から VPN で接続しました"},
    {"hop.title", "{1}'s credentials used from {2}, reached by {3}'s VPN session, to log on to {4}",
     "{3} の VPN セッションが到達した {2} から、{1} の認証情報で {4} にログオン"},
    {"hop.title.admin",
     "{1}'s admin credentials used from {2}, reached by {3}'s VPN session, to log on to {4}",
     "{3} の VPN セッションが到達した {2} から、{1} の管理者認証情報で {4} にログオン"},
    {"link.sum.det", "{=1} was detected on {2} at {t3}", "{t3} に {2} で {=1} が検知されました"},
    {"link.sum.det.action", "; action: {1}", "。対処：{1}"},
    {"link.sum.det.more", "; detected with it: {1}", "。同時に検知されたもの：{1}"},
    {"link.sum.det.path", " ({1})", "（{1}）"},
    {"link.sum.detuser", " The antivirus names {1} as the detection user.",
     "ウイルス対策ソフトは {1} を検知時のユーザーとしています。"},
    {"link.sum.everyday", " {1}, the everyday user of {2} (logons there on {3} days)",
     "{2} の日常的な利用者は {1} です（ログオンのある日は {3} 日）"},
    {"link.sum.everyday.contact",
     " {1}, the everyday user of {2} (logons there on {3} days), had logged on {=4} {5} {=6}",
     "{2} の日常的な利用者である {1}（ログオンのある日は {3} 日）が、その {5} "
     "{=6}に{=4}ログオンしていました"},
    {"link.sum.everyday.end",
     "; no VPN session from elsewhere reached the host. Most likely the user's own download: "
     "confirm with them, and check how it got there.",
     "。ほかの場所からの VPN "
     "セッションはこのホストに到達していません。利用者自身がダウンロードした可能性が高いため、本人"
     "に確認し、どのように置かれたかも調べてください。"},
    {"link.sum.everyday.end.detuser",
     " and is the detection user; no VPN session from elsewhere reached the host. Most likely the "
     "user's own download: confirm with them, and check how it got there.",
     "。検知時のユーザーもこの利用者です。ほかの場所からの VPN "
     "セッションはこのホストに到達していません。利用者自身がダウンロードした可能性が高いため、本人"
     "に確認し、どのように置かれたかも調べてください。"},
    {"link.sum.follow", " Later logons by {1} reached {2}.",
     "その後、{1} のログオンは {2} に到達しています。"},
    {"link.sum.follow.more", " Later logons by {1} reached {2} and {3} more hosts.",
     "その後、{1} のログオンは {2} と、ほか {3} 台のホストに到達しています。"},
    {"link.sum.habit", " {1} logs on to {2} regularly ({3} days).",
     "{1} は {2} に日常的にログオンしています（{3} 日）。"},
    {"link.sum.intruder",
     " Treat {1} as held by an intruder: reset it, review every session since, and block the "
     "source addresses.",
     "{1} "
     "は侵入者の手に渡っているものとして扱ってください。パスワードをリセットし、それ以降のすべての"
     "セッションを確認し、接続元のアドレスを遮断してください。"},
    {"link.sum.later",
     " {1} used the VPN {2} more time{2||s} afterwards, from addresses it had used before.",
     "{1} はその後も、以前に使ったことのあるアドレスから VPN を {2} 回使っています。"},
    {"link.sum.logon", " {1} {=2}, {3} logged on to {4} {=5}",
     "その {1} {=2}、{3} が {4} に{=5}ログオンしていました"},
    {"link.sum.logon.from", " from {1}", "（接続元 {1}）"},
    {"link.sum.meets.account", " {1} finding {2} ({@2=3}) names the same account.",
     "{1} の検出結果 {2}（{@2=3}）も同じアカウントを挙げています。"},
    {"link.sum.meets.host", " {1} finding {2} ({@2=3}) is on a host it later logged on to.",
     "{1} の検出結果 {2}（{@2=3}）は、このアカウントがその後ログオンしたホストのものです。"},
    {"link.sum.meets.more", " ({1} more findings meet it.)",
     "（ほかに {1} 件の検出結果が関わっています。）"},
    {"link.sum.next", " Next most likely: {1} ({=2}, score {3} against {4}).",
     "次に可能性が高いのは {1} です（{=2}、スコアは {4} に対して {3}）。"},
    {"link.sum.none",
     " No account could be tied to it from these logs: no VPN session reached {1} and no "
     "interactive or RDP logon on it came shortly before.",
     "これらのログからは、結び付くアカウントが見つかりません。{1} に到達した VPN "
     "セッションはなく、直前の対話型ログオンや RDP ログオンもありません。"},
    {"link.sum.none.advice",
     " A tool was saved there, so someone saved it: the case was closed without knowing who. Look "
     "for the logs that are missing (the host's Security log, the VPN logs of that day) before "
     "trusting that it is over.",
     "ツールが保存されていた以上、誰かが保存したはずです。この件は、誰の仕業か分からないまま閉じら"
     "れています。終わったものと考える前に、欠けているログ（ホストのセキュリティログ、その日の VPN "
     "ログ）を探してください。"},
    {"link.sum.none.detuser",
     " The antivirus names {1} as the detection user, with nothing else behind it.",
     "ウイルス対策ソフトは {1} "
     "を検知時のユーザーとしていますが、それを裏付けるものはほかにありません。"},
    {"link.sum.none.detuser.proc",
     " The antivirus names {1} as the detection user (process {2}), with nothing else behind it.",
     "ウイルス対策ソフトは {1} を検知時のユーザー（プロセス "
     "{2}）としていますが、それを裏付けるものはほかにありません。"},
    {"link.sum.notuser.few",
     " {1} does not normally use {2} (logons there on only 1-2 other days).",
     "{1} は普段 {2} を使っていません（ほかの日のログオンは 1～2 日だけです）。"},
    {"link.sum.notuser.none", " {1} does not normally use {2} (no logons there on any other day).",
     "{1} は普段 {2} を使っていません（ほかの日のログオンはありません）。"},
    {"link.sum.notuser.notbefore",
     " {1} does not normally use {2} (no logons there before that day).",
     "{1} は普段 {2} を使っていません（その日より前のログオンはありません）。"},
    {"link.sum.notuser.rdp",
     " {1} does not normally use {2} by RDP (its logons there were all SMB or console).",
     "{1} は普段 {2} を RDP では使っていません（そこでのログオンはすべて SMB "
     "かコンソールでした）。"},
    {"link.sum.others",
     " {1} other VPN account{1||s} reached {2} in the same window, by weaker means or further in "
     "time.",
     "ほかに {1} 個の VPN アカウントが同じ時間帯に {2} "
     "に到達していますが、接触の手段が弱いか、時間的に離れています。"},
    {"link.sum.owner",
     " {1} is the everyday user of {2} and came from where it always does: most likely the user's "
     "own download; confirm with them.",
     "{1} は {2} "
     "の日常的な利用者で、いつもと同じ場所から接続しています。利用者自身がダウンロードした可能性が"
     "高いため、本人に確認してください。"},
    {"link.sum.return",
     " {1} returned over VPN {2} {=3} later ({t4}) from {5}, an address it had never used before",
     "{1} は {2} {=3}後（{t4}）に、それまで一度も使ったことのないアドレス {5} から VPN "
     "で戻ってきています"},
    {"link.sum.return.more", ", and from {1} more new address{1||es}",
     "。さらに、ほかに {1} 個の新しいアドレスからも接続しています"},
    {"link.sum.return.total", " ({1} later VPN session{1||s} in all).",
     "（その後の VPN セッションは合計 {1} 回）。"},
    {"link.sum.short",
     " The logs of {1} begin less than a week before the detection: too little to say who normally "
     "uses it.",
     "{1} のログは検知の 1 "
     "週間前より後から始まっており、普段だれが使っているかを判断するには短すぎます。"},
    {"link.sum.stop", ".", "。"},
    {"link.sum.sysmon", " Sysmon saw the file written {1} earlier",
     "Sysmon の記録では、ファイルは検知の {1} 前に"},
    {"link.sum.sysmon.as", " as {1}", "、ユーザー {1} として"},
    {"link.sum.sysmon.by", " by {1}", "、{1} によって"},
    {"link.sum.sysmon.end", ".", "書き込まれています。"},
    {"link.sum.vpn", " {1} {=2}, {3} had connected over VPN at {t4} from {=5}",
     "その {1} {=2}、{t4} に {3} が {=5} から VPN で接続していました"},
    {"link.sum.vpn.as", " as {1}", "（{1} として）"},
    {"link.sum.vpn.cloud", ", an address of {1} {2}", "。このアドレスは {1} {2} のものです"},
    {"link.sum.vpn.cloud.region", ", an address of {1} {2} {3}",
     "。このアドレスは {1} {2} {3} のものです"},
    {"link.sum.vpn.first", " (the account's first VPN session in these logs)",
     "（これらのログにおける、このアカウントの最初の VPN セッションです）"},
    {"link.sum.vpn.new",
     " (the first time from that address in {1} VPN session{1||s} of the account)",
     "（このアカウントの {1} 回の VPN セッションのなかで、このアドレスからは初めてです）"},
    {"link.sum.vpn.reach", " and reached {1} {=2} from tunnel address {3}",
     "。セッションはトンネルアドレス {3} から {1} に{=2}到達しています"},
    {"link.title.everyday", "{=1} on {2}: its everyday user {3} was logged on",
     "{2} の {=1}：日常的な利用者 {3} がログオン中"},
    {"link.title.logon", "{=1} on {2}: {3} logged on to it shortly before",
     "{2} の {=1}：直前に {3} がこのホストにログオン"},
    {"link.title.none", "{=1} on {2}: no account identified",
     "{2} の {=1}：アカウントは特定できず"},
    {"link.title.vpn", "{=1} on {2}: {3} came in over VPN and reached it shortly before",
     "{2} の {=1}：直前に {3} が VPN で入り、このホストに到達"},
    {"loop.sum.accounts", "; accounts {1}", "。アカウントは {1} です"},
    {"loop.sum.advice", " Reset the accounts' passwords and isolate the host.",
     "アカウントのパスワードをリセットし、ホストを隔離してください。"},
    {"loop.sum.head",
     "{1} recorded {2} RDP logon or session event{2||s} whose source is the host itself ({3}) "
     "between {t4} and {t5}: ",
     "{1} には、ホスト自身（{3}）を接続元とする RDP のログオンまたはセッションのイベントが {t4} "
     "から {t5} までに {2} 件記録されています。内訳："},
    {"loop.sum.notunnel",
     " No tunnel finding overlaps them: look for the program listening on or connecting to port "
     "3389 locally (Sysmon 3, 5156, netsh portproxy).",
     "時間の重なるトンネルの検出結果はありません。ホスト上で 3389 "
     "番ポートを待ち受けている、またはローカルで 3389 "
     "番ポートに接続しているプログラムを探してください（Sysmon 3、5156、netsh portproxy）。"},
    {"loop.sum.relay.conn", " The relaying program: {1} (", "中継しているプログラムは {1} です（"},
    {"loop.sum.relay.end", "); stop it and find how it was put there.",
     "）。停止させ、どのように設置されたかを調べてください。"},
    {"loop.sum.relay.item", "{=1}: {2}", "{=1}：{2}"},
    {"loop.sum.relay.item.next", "; {=1}: {2}", "；{=1}：{2}"},
    {"loop.sum.relay.setup", " A relay was set up on the host within a day of these logons: {1} (",
     "これらのログオンの前後 1 日以内に、ホスト上で中継が設定されています。設定したプログラムは "
     "{1} です（"},
    {"loop.sum.tunnel",
     " These logons fall within the sessions of {1} ({=2}): the relay those sessions reach is "
     "where the RDP came from.",
     "これらのログオンは {1}（{@1=2}）のセッションが続いている間に起きています。RDP "
     "は、そのセッションの接続先の中継サーバから来ています。"},
    {"loop.sum.what", "{1} x {=2}", "{=2} {1} 件"},
    {"loop.sum.what.next", ", {1} x {=2}", "、{=2} {1} 件"},
    {"loop.sum.why",
     ". Nobody RDPs from a server to the same server: RDP arrives from loopback when a program on "
     "the host relays it (an HTTPS tunnel or a port proxy), so the session came from outside "
     "through that program.",
     "。サーバから同じサーバへ RDP で接続する人はいません。RDP "
     "がループバックから届くのは、ホスト上のプログラム（HTTPS "
     "トンネルやポートプロキシ）が中継しているときです。つまり、このセッションはそのプログラムを通"
     "って外部から来ています。"},
    {"loop.title", "RDP logons from the host itself on {1}",
     "{1} でホスト自身を接続元とする RDP ログオン"},
    {"loop.title.acct", " ({1})", "（{1}）"},
    {"loop.title.accts", " ({1}, ...)", "（{1} ほか）"},
    {"loop.title.relayed", " relayed by {1}", "、{1} が中継"},
    {"loop.title.setup", " with a relay set up by {1} ({=2})", "、{1} が中継を設定（{=2}）"},
    {"loop.title.tunnel", " during a cloud tunnel", "、クラウドトンネルの最中"},
    {"relay.sum.advice",
     ". A port proxy or a reverse forward is how RDP is carried into a host past its firewall; no "
     "RDP logon from the host itself is in the case to show it used. Ask who set it up, remove it "
     "(netsh interface portproxy reset, kill the program) and look for logons at the time in logs "
     "not collected.",
     "。ポートプロキシやリバースフォワードは、ファイアウォールの内側のホストへ RDP "
     "を持ち込む手口です。ただし、ケース内にはホスト自身を接続元とする RDP "
     "ログオンがなく、実際に使われたことは確認できていません。誰が設定したのかを確認して設定を取り"
     "除き（netsh interface portproxy "
     "reset、プログラムの停止）、収集していないログでその時刻のログオンを探してください。"},
    {"relay.sum.head",
     "{1}: {2} record{2||s} of a program relaying RDP between {t3} and {t4}, by {=5}:",
     "{1} には、RDP を中継するプログラムの記録が {t3} から {t4} までに {2} "
     "件あります（プログラム：{=5}）。記録："},
    {"relay.sum.more", "; and {1} more", "；ほか {1} 件"},
    {"relay.sum.rec", " {=1} ({2})", "{=1}（{2}）"},
    {"relay.sum.rec.next", "; {=1} ({2})", "；{=1}（{2}）"},
    {"relay.title", "RDP relay by {=1} on {2} ({=3})", "{2} 上の {=1} による RDP の中継（{=3}）"},
    {"scan.sum.av", " The case holds {1} antivirus event{1||s} for the same SHA-256.",
     "ケースには、同じ SHA-256 のウイルス対策ソフトのイベントが {1} 件あります。"},
    {"scan.sum.binary",
     " Not an executable itself, but binary data carrying the names (a configuration or payload) "
     "deserves a look.",
     "それ自体は実行ファイルではありませんが、これらの名前を含むバイナリデータ（設定やペイロード）"
     "は確認する価値があります。"},
    {"scan.sum.byname",
     " {1} event{1||s} in the case name a file of the same name (perhaps another file).",
     "ケース内の {1} "
     "件のイベントが、同じ名前のファイルを記録しています（別のファイルかもしれません）。"},
    {"scan.sum.contains", " contains {1} of the environment's own names: ",
     "このファイルには、この環境固有の名前が {1} 個含まれています："},
    {"scan.sum.contains.one", " contains one of the environment's own names: ",
     "このファイルには、この環境固有の名前が 1 個含まれています："},
    {"scan.sum.document",
     " Documents and configuration files name the environment routinely; this is listed for "
     "completeness.",
     "文書や設定ファイルが環境の名前を含むのはよくあることです。網羅のために挙げています。"},
    {"scan.sum.file", "{1} ({=2}, {3} bytes, SHA-256 {4})",
     "{1}（{=2}、{3} バイト、SHA-256 {4}）。"},
    {"scan.sum.form", "{=1}", "{=1}"},
    {"scan.sum.form.next", ", {=1}", "、{=1}"},
    {"scan.sum.forms", " (", "（"},
    {"scan.sum.forms.end", ")", "）"},
    {"scan.sum.hit", "{=1} {2}", "{=1} {2}"},
    {"scan.sum.hit.own", "; the host it was collected from", "。収集元のホスト"},
    {"scan.sum.hit.sample", " ({1})", "（{1}）"},
    {"scan.sum.implant",
     " Software made elsewhere has no reason to carry these names; malware configured for this "
     "environment does. Treat the file as a suspected implant: find where else it is, who wrote it "
     "to disk and when.",
     "よそで作られたソフトウェアがこれらの名前を持つ理由はありません。この環境向けに設定されたマル"
     "ウェアなら持っています。このファイルはインプラントの疑いがあるものとして扱い、ほかにどこにあ"
     "るか、誰がいつディスクに書き込んだかを調べてください。"},
    {"scan.sum.more", "; and {1} more", "；ほか {1} 個"},
    {"scan.sum.partial", " Only part of the file could be scanned.",
     "ファイルの一部しかスキャンできませんでした。"},
    {"scan.sum.pe", " PE facts:", "PE の情報："},
    {"scan.sum.pe.imphash", " imphash {1};", "imphash {1}。"},
    {"scan.sum.pe.signed", " carries an Authenticode signature (not verified).",
     "Authenticode 署名があります（検証していません）。"},
    {"scan.sum.pe.ts", " compile timestamp {t1};", "コンパイル時刻 {t1}。"},
    {"scan.sum.pe.unsigned", " no Authenticode signature.", "Authenticode 署名はありません。"},
    {"scan.sum.rules", " Responder rules matched: {1}.", "一致した調査担当者のルール：{1}。"},
    {"scan.sum.seen", " The case holds {1} other event{1||s} naming the same SHA-256.",
     "ケースには、同じ SHA-256 を記録したほかのイベントが {1} 件あります。"},
    {"scan.sum.sep", "; ", "；"},
    {"scan.sum.stop", ".", "。"},
    {"scan.sum.weak", " One name alone is weak evidence; check the file's origin.",
     "名前が 1 つだけでは弱い証拠です。ファイルの出どころを確認してください。"},
    {"scan.title", "{=1} {2}", "{2}（{=1}）"},
    {"scan.title.carries", " carries {1} of the environment's own names",
     "：この環境固有の名前を {1} 個含む"},
    {"scan.title.carries.one", " carries one of the environment's own names",
     "：この環境固有の名前を 1 個含む"},
    {"scan.title.mentions", " mentions {1} of the environment's own names",
     "：この環境固有の名前 {1} 個に言及"},
    {"scan.title.mentions.one", " mentions one of the environment's own names",
     "：この環境固有の名前 1 個に言及"},
    {"scan.title.rules", " matches {1} responder rule{1||s}", "：調査担当者のルール {1} 件に一致"},
    {"scan.title.rules.and", " and matches {1} responder rule{1||s}",
     "、調査担当者のルール {1} 件に一致"},
    {"sigma.sum", "Sigma rule \"{1}\" (level {=2}, {3}) matched {4} event{4||s} on {=5}",
     "Sigma ルール「{1}」（レベル {=2}、{3}）が {=5} の {4} 件のイベントに一致しました"},
    {"sigma.sum.between", " between {t1} and {t2}", "（{t1} から {t2} まで）"},
    {"sigma.sum.rule", ". Rule {1} from {2}.", "。ルール ID は {1}、ルールのファイルは {2} です。"},
    {"sigma.title", "Sigma: {1} on {=2}", "Sigma：{=2} で {1}"},
    {"tunnel.sum.advice",
     " Isolate the host, block the address at the perimeter, and find the program holding the "
     "connection.",
     "ホストを隔離し、境界でこのアドレスを遮断して、接続を持っているプログラムを突き止めてください"
     "。"},
    {"tunnel.sum.also",
     " {1} other internal host{1||s} hold{1|s|} the same kind of sessions to this address (listed "
     "in hosts and addresses).",
     "ほかに {1} "
     "台の内部ホストが、このアドレスへ同じ種類のセッションを持っています（ホストとアドレスの一覧に"
     "記載）。"},
    {"tunnel.sum.bytes", "{1} out and {2} in.", "送信 {1}、受信 {2} です。"},
    {"tunnel.sum.bytes.both", "{1} both ways together.", "双方向の合計で {1} です。"},
    {"tunnel.sum.end", ".", "。"},
    {"tunnel.sum.head", " held {1} session{1||s} to {2}:{3}",
     "は {2}:{3} へ {1} 回のセッションを持っていました"},
    {"tunnel.sum.loop",
     " While these sessions were up, {1} recorded {2} RDP logon{2||s} whose source is the host "
     "itself",
     "これらのセッションが張られている間に、{1} にはホスト自身を接続元とする RDP ログオンが {2} "
     "件記録されています"},
    {"tunnel.sum.loop.accounts", " ({1})", "（{1}）"},
    {"tunnel.sum.loop.end",
     ": RDP is arriving through a local program that relays this connection.",
     "。RDP は、この接続を中継するホスト上のプログラムを通って届いています。"},
    {"tunnel.sum.lproc", " {1} connects to the host's own RDP port over loopback.",
     "{1} がループバック経由でホスト自身の RDP ポートに接続しています。"},
    {"tunnel.sum.proc", " Sysmon names the process holding it: {1}.",
     "Sysmon によると、この接続を持っているプロセスは {1} です。"},
    {"tunnel.sum.r.beacon",
     "it reconnects on a fixed schedule (every {1}, regularity {2}), as a beacon does",
     "一定の間隔で再接続しています（{1} ごと、規則性 {2}）。ビーコンと同じ形です"},
    {"tunnel.sum.r.bursty", "bursty (interval volume varies {1}x its mean, {2}% idle)",
     "通信は断続的です（区間ごとの通信量のばらつきは平均の {1} 倍、{2}% は無通信）"},
    {"tunnel.sum.r.busy", "the host reaches {1} internet destinations, a busy client",
     "このホストは {1} 件のインターネット上の宛先と通信しており、活発なクライアントです"},
    {"tunnel.sum.r.download", "{1}% of the bytes come in, as a download does",
     "バイト数の {1}% が受信で、ダウンロードと同じ形です"},
    {"tunnel.sum.r.hosts", "{1} internal hosts talk to this address",
     "{1} 台の内部ホストがこのアドレスと通信しています"},
    {"tunnel.sum.r.irregular", "irregular start times (regularity {1}), as a person's use is",
     "開始時刻は不規則です（規則性 {1}）。人が使うときと同じ形です"},
    {"tunnel.sum.r.keepalive", "little more than keep-alives ({1} B/s)",
     "キープアライブ程度の通信量です（毎秒 {1} バイト）"},
    {"tunnel.sum.r.loop", "RDP logons from the host itself during the sessions ({1})",
     "セッション中にホスト自身からの RDP ログオンがあります（{1} 件）"},
    {"tunnel.sum.r.lproc", "a loopback connection to the host's own RDP port",
     "ホスト自身の RDP ポートへのループバック接続があります"},
    {"tunnel.sum.r.net",
     "{1} other host{1||s} hold{1|s|} long sessions to the same network and port",
     "ほかに {1} 台のホストが、同じネットワークとポートへ長時間のセッションを持っています"},
    {"tunnel.sum.r.proc",
     "{1} other host{1||s} run{1|s|} the same program on such sessions, as an agent does",
     "ほかに {1} "
     "台のホストが、同じプログラムでそのようなセッションを持っています。エージェントと同じ形です"},
    {"tunnel.sum.r.quiet", "the host reaches only {1} internet destinations in the case",
     "このホストがケース内で通信するインターネット上の宛先は {1} 件だけです"},
    {"tunnel.sum.r.schedule", "sessions start on a fixed schedule (every {1}, regularity {2})",
     "セッションは一定の間隔で始まっています（{1} ごと、規則性 {2}）"},
    {"tunnel.sum.r.service",
     "{1} internal hosts talk to this address, as an agent or service would",
     "{1} 台の内部ホストがこのアドレスと通信しています。エージェントやサービスと同じ形です"},
    {"tunnel.sum.r.steady", "steady (interval volume varies {1}x its mean, {2}% idle)",
     "通信は一定です（区間ごとの通信量のばらつきは平均の {1} 倍、{2}% は無通信）"},
    {"tunnel.sum.r.twoway", "traffic flows both ways ({1}% out)", "通信は双方向です（送信 {1}%）"},
    {"tunnel.sum.r.uncorroborated",
     "medium at most: nothing on the host corroborates a tunnel (no RDP logon from the host "
     "itself, no loopback connection to its RDP port), and a vendor's support session looks the "
     "same from the firewall",
     "ホスト上にトンネルを裏付けるもの（ホスト自身からの RDP ログオン、RDP "
     "ポートへのループバック接続）がなく、ベンダーのリモートサポートもファイアウォールからは同じに"
     "見えるため、重要度は最大でも「中」です"},
    {"tunnel.sum.r.undirected", "the firewall logs the bytes of both directions together",
     "ファイアウォールは双方向のバイト数を合算して記録しています"},
    {"tunnel.sum.r.upload", "{1}% of the bytes go out, as an upload does",
     "バイト数の {1}% が送信で、アップロードと同じ形です"},
    {"tunnel.sum.sep", "; ", "。"},
    {"tunnel.sum.span",
     " between {t1} and {t2}, on {3} day{3||s}: longest {4}, {5} connected in all ({6}% of that "
     "time), ",
     "。期間は {t1} から {t2} までの {3} 日間で、最長 {4}、接続時間は合計 {5}（その期間の "
     "{6}%）です。通信量は"},
    {"tunnel.sum.who", "{1}", "{1} "},
    {"tunnel.sum.who.host", "{1} ({2})", "{1}（{2}）"},
    {"tunnel.sum.why", " Why it ranks here: ", "【この順位の理由】"},
    {"tunnel.title", "Long-lived sessions from {1} to {2}:{3}",
     "{1} から {2}:{3} への長時間セッション"},
    {"tunnel.title.days", " for {1} day{1||s}", "、{1} 日間"},
    {"tunnel.title.high", "{1} held long sessions to {2}:{3}",
     "{1} から {2}:{3} への長時間セッション"},
    {"tunnel.title.high.twoway", "{1} held long two-way sessions to {2}:{3}",
     "{1} から {2}:{3} への長時間の双方向セッション"},
    {"tunnel.where", " ({1})", "（{1}）"},
    {"tunnel.where.region", " ({1}, {2})", "（{1}、{2}）"},
    {"tunnel.where.svc", " ({1} {2})", "（{1} {2}）"},
    {"tunnel.where.svc.region", " ({1} {2}, {3})", "（{1} {2}、{3}）"},
    {"why", " Why it scores {1}:", "【スコア {1} の理由】"},
    {"why.end", ".", "。"},
    {"why.item", " {1} {2}", "{2}（{1}）"},
    {"why.ranks", " Why it ranks here:", "【この順位の理由】"},
    {"why.ranks.item", " {2} ({1})", "{2}（{1}）"},
    {"why.sep", ";", "。"},
};

#define NREASONS (sizeof REASONS / sizeof REASONS[0])
#define NTEXTS (sizeof TEXTS / sizeof TEXTS[0])
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

/* A reason's sentence or a piece of a title or summary. */
static const entry *msg_find(const char *id, size_t n) {
  const entry *e = find(REASONS, NREASONS, id, n);
  return e ? e : find(TEXTS, NTEXTS, id, n);
}

const char *hunt_term(const char *id, ash_lang lang) {
  const entry *e = find(TERMS, NTERMS, id, strlen(id));
  return e ? (lang == ASH_LANG_JA ? e->ja : e->en) : id;
}

/* A placeholder at t ('{' ...): its kind, argument numbers (1-based) and
 * length, or 0 when t is no placeholder (a '{' of the text itself).
 *   {k}        argument k as recorded
 *   {=k}       argument k, a term when it is one
 *   {tk}       argument k, a time as hunt_fmt_time writes it ("YYYY-MM-DD
 *              HH:MM UTC"): in the reader's zone where the renderer has one
 *   {k|a|b}    a when argument k is "1", else b (English plurals: the
 *              other languages' templates need none)
 *   {@k=m}     the title of the finding whose id is argument k, in the
 *              language, where the renderer knows that finding; else
 *              argument m (a term when it is one): the English of a title
 *              the hunt recorded, so a sentence naming another finding reads
 *              in the reader's language */
typedef struct ph {
  char kind; /* 'a' plain, '=' term, 't' time, '|' plural, '@' title */
  int k, m;
  const char *one, *other; /* '|': the two wordings */
  size_t none, nother;
  size_t len;
} ph;

static int digit(char c) { return c >= '1' && c <= '9'; }

static int parse_ph(const char *t, ph *p) {
  memset(p, 0, sizeof *p);
  if (t[0] != '{') return 0;
  const char *q = t + 1;
  if (*q == '=' || *q == 't' || *q == '@')
    p->kind = *q++;
  else
    p->kind = 'a';
  if (!digit(*q)) return 0;
  p->k = *q++ - '0';
  if (p->kind == '@') {
    if (q[0] != '=' || !digit(q[1])) return 0;
    p->m = q[1] - '0';
    q += 2;
  } else if (p->kind == 'a' && *q == '|') {
    const char *a = q + 1, *bar = a;
    while (*bar && *bar != '|' && *bar != '}' && *bar != '{') bar++;
    if (*bar != '|') return 0;
    const char *b = bar + 1, *end = b;
    while (*end && *end != '|' && *end != '}' && *end != '{') end++;
    if (*end != '}') return 0;
    p->kind = '|';
    p->one = a;
    p->none = (size_t)(bar - a);
    p->other = b;
    p->nother = (size_t)(end - b);
    q = end;
  }
  if (*q != '}') return 0;
  p->len = (size_t)(q + 1 - t);
  return 1;
}

/* The arguments a template takes: its highest placeholder (every one
 * below it must be used too: test_reasons checks). */
static size_t nargs_of(const char *t) {
  size_t n = 0;
  ph p;
  for (const char *q = t; (q = strchr(q, '{')); q++)
    if (parse_ph(q, &p)) {
      if ((size_t)p.k > n) n = (size_t)p.k;
      if ((size_t)p.m > n) n = (size_t)p.m;
    }
  return n;
}

/* Call emit with the pieces of template t with args: the catalogue's text
 * as it is, each argument as recorded, each term in lang, titles and times
 * through cx (NULL: none). */
static int expand(const char *t, ash_lang lang, const char *const *args, size_t nargs,
                  const ash_msg_ctx *cx, int (*emit)(void *u, const char *s, size_t n), void *u) {
  int rc = ASH_OK;
  ph p;
#define ARG(i) ((size_t)(i)-1 < nargs && args[(i)-1] ? args[(i)-1] : "")
  while (*t && !rc) {
    if (parse_ph(t, &p)) {
      const char *a = ARG(p.k);
      char tbuf[64];
      switch (p.kind) {
      case '=': a = hunt_term(a, lang); break;
      case 't':
        if (cx && cx->time && cx->time(cx->u, a, tbuf)) a = tbuf;
        break;
      case '@': {
        const char *title = cx && cx->title ? cx->title(cx->u, a) : NULL;
        a = title ? title : hunt_term(ARG(p.m), lang);
        break;
      }
      case '|':
        rc = !strcmp(a, "1") ? emit(u, p.one, p.none) : emit(u, p.other, p.nother);
        t += p.len;
        continue;
      default: break;
      }
      rc = emit(u, a, strlen(a));
      t += p.len;
      continue;
    }
    const char *e = strchr(t + 1, '{');
    size_t n = e ? (size_t)(e - t) : strlen(t);
    rc = emit(u, t, n);
    t += n;
  }
#undef ARG
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

static int render_entry(const entry *e, ash_lang lang, const char *const *args, size_t nargs,
                        const ash_msg_ctx *cx, ash_buf *out) {
  if (!e) return ASH_ENOTFOUND;
  const char *t = lang == ASH_LANG_JA ? e->ja : e->en;
  if (nargs_of(t) != nargs) return ASH_EFORMAT;
  return expand(t, lang, args, nargs, cx, emit_buf, out);
}

int ash_reason_render(ash_lang lang, const char *key, const char *form, const char *const *args,
                      size_t nargs, ash_buf *out) {
  return render_entry(key ? reason_of(key, form) : NULL, lang, args, nargs, NULL, out);
}

int ash_msg_render(ash_lang lang, const char *id, const char *const *args, size_t nargs,
                   const ash_msg_ctx *cx, ash_buf *out) {
  return render_entry(id ? msg_find(id, strlen(id)) : NULL, lang, args, nargs, cx, out);
}

int ash_msg_nargs(const char *id) {
  const entry *e = id ? msg_find(id, strlen(id)) : NULL;
  return e ? (int)nargs_of(e->en) : -1;
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

const char *ash_msg_entry(size_t i, const char **en, const char **ja) {
  if (i >= NTEXTS) return NULL;
  *en = TEXTS[i].en;
  *ja = TEXTS[i].ja;
  return TEXTS[i].id;
}

const char *ash_reason_term(size_t i, const char **en, const char **ja) {
  if (i >= NTERMS) return NULL;
  *en = TERMS[i].en;
  *ja = TERMS[i].ja;
  return TERMS[i].id;
}

/* An emitter into an ash_buf that keeps at most cap - 1 bytes from start
 * (cap 0: no cap), cutting each piece at a whole character: how reasons'
 * texts were always cut (hunt_reason_text's fixed buffer). */
struct capped {
  ash_buf *b;
  size_t start, cap;
};
static int emit_capped(void *u, const char *s, size_t n) {
  struct capped *c = u;
  if (c->cap) {
    size_t used = c->b->n - c->start;
    if (used + n >= c->cap) {
      n = c->cap - 1 - used;
      while (n && ((unsigned char)s[n] & 0xc0) == 0x80) n--; /* whole characters */
    }
  }
  return ash_buf_add(c->b, s, n);
}

/* The text of one reason appended to out (cut as emit_capped does, cut 0:
 * not at all): its sentence in lang, else the text it was given (*fell
 * set). */
static int reason_line(ash_lang lang, const ash_msg_reason *r, size_t cut, const ash_msg_ctx *cx,
                       ash_buf *out, int *fell) {
  char id[128];
  int n = snprintf(id, sizeof id, "%s%s%s", r->key ? r->key : "", r->form && *r->form ? "." : "",
                   r->form && *r->form ? r->form : "");
  const entry *e = n > 0 && (size_t)n < sizeof id ? find(REASONS, NREASONS, id, (size_t)n) : NULL;
  const char *t = e ? (lang == ASH_LANG_JA ? e->ja : e->en) : NULL;
  struct capped c = {out, out->n, cut};
  if (t && nargs_of(t) == r->nargs) return expand(t, lang, r->args, r->nargs, cx, emit_capped, &c);
  *fell = 1;
  t = r->text ? r->text : r->key ? r->key : "";
  return emit_capped(&c, t, strlen(t));
}

int ash_msg_reasons(ash_lang lang, const char *head, const char *const *hargs, size_t nh,
                    const ash_msg_reason *r, size_t n, size_t cut, const ash_msg_ctx *cx,
                    ash_buf *out, size_t *fallbacks) {
  char item[64];
  snprintf(item, sizeof item, "%s.item", head ? head : "");
  const entry *eh = head ? find(TEXTS, NTEXTS, head, strlen(head)) : NULL;
  const entry *ei = find(TEXTS, NTEXTS, item, strlen(item));
  const entry *es = find(TEXTS, NTEXTS, "why.sep", 7), *ee = find(TEXTS, NTEXTS, "why.end", 7);
  if (!eh || !ei || !es || !ee) return ASH_ENOTFOUND;
  int rc = render_entry(eh, lang, hargs, nh, cx, out);
  ash_buf line;
  ash_buf_init(&line, 1u << 16);
  for (size_t i = 0; !rc && i < n; i++) {
    int fell = 0;
    ash_buf_reset(&line);
    char w[16];
    snprintf(w, sizeof w, "%+d", r[i].weight);
    rc = reason_line(lang, &r[i], cut, cx, &line, &fell);
    if (fallbacks) *fallbacks += (size_t)fell;
    const char *ia[2] = {w, line.p ? line.p : ""};
    if (!rc && i) rc = render_entry(es, lang, NULL, 0, cx, out);
    if (!rc) rc = render_entry(ei, lang, ia, 2, cx, out);
  }
  ash_buf_free(&line);
  if (!rc) rc = render_entry(ee, lang, NULL, 0, cx, out);
  return rc;
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

void hunt_reason_args(const hunt_reason *r, const char *out[HUNT_REASON_ARGS]) {
  for (size_t i = 0; i < r->nargs; i++) out[i] = r->a + r->arg[i];
}

/* r as the catalogue renders it: key, form and arguments */
static void as_msg(const hunt_reason *r, const char *args[HUNT_REASON_ARGS], char key[64],
                   ash_msg_reason *m) {
  hunt_reason_args(r, args);
  hunt_reason_key(r, key);
  const char *dot = strchr(r->id, '.');
  m->weight = r->weight;
  m->key = key;
  m->form = dot ? dot + 1 : NULL;
  m->args = args;
  m->nargs = r->nargs;
  /* an id missing from the catalogue is a hunt's bug (test_reasons fails
   * on it): the id itself is the least wrong text */
  m->text = r->id;
}

void hunt_reason_text(const hunt_reason *r, char *out, size_t n) {
  if (!n) return;
  const char *args[HUNT_REASON_ARGS];
  char key[64];
  ash_msg_reason m;
  as_msg(r, args, key, &m);
  ash_buf b;
  ash_buf_init(&b, n);
  int fell = 0;
  reason_line(ASH_LANG_EN, &m, n, NULL, &b, &fell);
  snprintf(out, n, "%s", b.p ? b.p : "");
  ash_buf_free(&b);
}

int hunt_reasons_say(ash_buf *s, const char *head, const hunt_reasons *R, int score) {
  const char *args[HUNT_MAX_REASONS][HUNT_REASON_ARGS];
  char keys[HUNT_MAX_REASONS][64];
  ash_msg_reason m[HUNT_MAX_REASONS];
  for (int i = 0; i < R->n; i++) as_msg(&R->r[i], args[i], keys[i], &m[i]);
  char sc[16];
  snprintf(sc, sizeof sc, "%d", score);
  const char *ha[] = {sc};
  /* the whole list or nothing */
  ash_buf t;
  ash_buf_init(&t, s->max > s->n ? s->max - s->n : 0);
  int rc = ash_msg_reasons(ASH_LANG_EN, head, ha, (size_t)ash_msg_nargs(head), m, (size_t)R->n,
                           HUNT_REASON_TEXT, NULL, &t, NULL);
  if (!rc) rc = ash_buf_add(s, t.p, t.n);
  ash_buf_free(&t);
  return rc;
}

void hunt_why_cloud(hunt_reasons *R, int weight, const char *addr, const ash_cloud *cl) {
  if (cl->region[0])
    hunt_why(R, "rentable_cloud_source", weight, addr, cl->provider, cl->service, cl->region);
  else
    hunt_why(R, "rentable_cloud_source.noregion", weight, addr, cl->provider, cl->service);
}

/* ---- titles and summaries as the catalogue's pieces ---- */

void hunt_text_init(hunt_text *t) {
  ash_buf_init(&t->en, ASH_MAX_FINDING_TEXT);
  /* the pieces repeat the text's values, with JSON's quotes and escapes */
  ash_buf_init(&t->js, 4 * ASH_MAX_FINDING_TEXT);
  t->n = 0;
  t->rc = ASH_OK;
}

void hunt_text_free(hunt_text *t) {
  ash_buf_free(&t->en);
  ash_buf_free(&t->js);
}

static void add_piece(hunt_text *t, const char *id, const char *const *args, size_t n) {
  size_t at = t->js.n;
  int rc = ash_buf_printf(&t->js, "%s{\"msg\":\"%s\",\"args\":[", t->n ? "," : "", id);
  for (size_t k = 0; !rc && k < n; k++) {
    rc = ash_buf_adds(&t->js, k ? ",\"" : "\"");
    if (!rc) rc = ash_buf_add_json_str(&t->js, args[k], strlen(args[k]));
    if (!rc) rc = ash_buf_addc(&t->js, '"');
  }
  if (!rc) rc = ash_buf_adds(&t->js, "]}");
  if (rc) {
    /* a piece is whole or absent: the pieces are then incomplete, and
     * left out of the finding (a report shows the English) */
    t->js.n = at;
    if (t->js.p) t->js.p[at] = 0;
    if (!t->rc) t->rc = rc;
    return;
  }
  t->n++;
}

void hunt_say_v(hunt_text *t, const char *id, const char *const *args) {
  size_t n = 0;
  while (args[n]) n++;
  /* the English whole or not at all, as one printf appended it */
  ash_buf one;
  ash_buf_init(&one, ASH_MAX_FINDING_TEXT);
  int rc = ash_msg_render(ASH_LANG_EN, id, args, n, NULL, &one);
  if (!rc) rc = ash_buf_add(&t->en, one.p ? one.p : "", one.n);
  ash_buf_free(&one);
  if (rc == ASH_ENOTFOUND || rc == ASH_EFORMAT) {
    /* a hunt's bug (test_reasons checks every call): say so in the text */
    ash_buf_adds(&t->en, id);
    if (!t->rc) t->rc = rc;
    return;
  }
  if (rc == ASH_OK) add_piece(t, id, args, n);
}

void hunt_say_why(hunt_text *t, const char *head, const hunt_reasons *R, int score) {
  char sc[16];
  snprintf(sc, sizeof sc, "%d", score);
  const char *a[] = {sc};
  if (hunt_reasons_say(&t->en, head, R, score) == ASH_OK)
    add_piece(t, head, a, (size_t)ash_msg_nargs(head));
}

/* The pieces of t as a JSON array into out; 0 when t lost a piece (the
 * text then has no pieces: a report shows its English). */
static int pieces(const hunt_text *t, ash_buf *out) {
  if (t->rc) return 0;
  return !ash_buf_addc(out, '[') && !ash_buf_add(out, t->js.p ? t->js.p : "", t->js.n) &&
         !ash_buf_addc(out, ']');
}

int hunt_text_set(ash_finding *f, hunt_text *title, hunt_text *summary) {
  int rc = ASH_OK;
  if (title) rc = ash_finding_set_title(f, title->en.p ? title->en.p : "", title->en.n);
  if (!rc && summary)
    rc = ash_finding_set_summary(f, summary->en.p ? summary->en.p : "", summary->en.n);
  if (rc) return rc;
  ash_buf tj, sj;
  ash_buf_init(&tj, 4 * ASH_MAX_FINDING_TEXT + 2);
  ash_buf_init(&sj, 4 * ASH_MAX_FINDING_TEXT + 2);
  /* the one not given keeps its pieces */
  int ht = title ? pieces(title, &tj) : f->title_msg && !ash_buf_adds(&tj, f->title_msg);
  int hs = summary ? pieces(summary, &sj) : f->summary_msg && !ash_buf_adds(&sj, f->summary_msg);
  rc = ash_finding_set_msgs(f, ht ? tj.p : NULL, ht ? tj.n : 0, hs ? sj.p : NULL, hs ? sj.n : 0);
  ash_buf_free(&tj);
  ash_buf_free(&sj);
  return rc;
}

int hunt_summary_add_v(ash_finding *f, const char *id, const char *const *args) {
  hunt_text t;
  hunt_text_init(&t);
  size_t n = f->summary_msg ? strlen(f->summary_msg) : 0;
  int rc = ash_buf_adds(&t.en, f->summary ? f->summary : "");
  if (n >= 2) {
    if (!rc) rc = ash_buf_add(&t.js, f->summary_msg + 1, n - 2);
    t.n = n > 2;
  } else {
    t.rc = ASH_ENOTFOUND; /* no pieces to add to */
  }
  if (!rc) hunt_say_v(&t, id, args);
  if (!rc) rc = hunt_text_set(f, NULL, &t);
  hunt_text_free(&t);
  return rc;
}
