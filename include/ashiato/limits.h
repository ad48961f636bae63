/* ashiato: every cap the library enforces, in one place.
 *
 * Log text is attacker-controlled: every growable buffer has a maximum
 * chosen here, and exceeding it is a counted rejection, never a crash or
 * an unbounded allocation. */
#ifndef ASHIATO_LIMITS_H
#define ASHIATO_LIMITS_H

/* Longest text record (line) accepted; longer lines are rejected whole. */
#define ASH_MAX_LINE (1u << 20)
/* Raw text kept with a rejection. */
#define ASH_MAX_REJECT_RAW 4096u
/* key=value pairs / CSV columns parsed from one record. */
#define ASH_MAX_FIELDS 512u
/* Attributes kept beyond the normalised fields of one event, as a parser
 * hands them over (the record's own fields, and the count of those it
 * dropped past this cap). */
#define ASH_MAX_ATTRS 256u
/* Attributes ashiato itself may add on top of a record's ASH_MAX_ATTRS,
 * saying what it noticed about the record rather than what the record
 * said: ash_suspicious_bytes (ash_ctx_emit, for a line with control bytes)
 * and EvtxIntegrity, EvtxFileHeader (evtx.c). They are never displaced by
 * the record's own fields: a line that fills every slot is the line an
 * attacker wrote to hide its control bytes. A stored event holds at most
 * ASH_MAX_ATTRS + ASH_MAX_ATTR_MARKS attributes. */
#define ASH_MAX_ATTR_MARKS 4u
/* Serialised attributes JSON of one event. */
#define ASH_MAX_ATTRS_JSON (256u << 10)
/* Bytes sniffed from the start of a stream to detect its format. */
#define ASH_SNIFF_BYTES (64u << 10)
/* A compressed or archived member that must be had whole (binary formats
 * such as EVTX): it is decompressed into a temporary file, not memory. */
#define ASH_MAX_MEMBER_BYTES (4ull << 30)
/* Layers of decompression and archives opened inside one file:
 * outer.zip!inner.tgz!app.log is three (zip, gzip, tar). A member nested
 * deeper is reported, not opened. */
#define ASH_MAX_ARCHIVE_DEPTH 4u
/* Compression-ratio cap (decompression bombs): a member whose decompressed
 * bytes pass ASH_RATIO_FLOOR and exceed ASH_MAX_RATIO times the bytes of
 * the file read meanwhile is cut there, with a rejection. Logs compress 8
 * to 12 times (50 MB of FortiGate: gzip -9 8.4, xz -9 10.8, zstd -19 11.2,
 * bzip2 -9 12.3), repetitive ones a few tens; a bomb reaches 1000 per
 * deflate layer and far more with xz, zstd or nesting. The floor lets small
 * files of one repeated line through. */
#define ASH_MAX_RATIO 200u
#define ASH_RATIO_FLOOR (64ull << 20)
/* Memory all decompressors of one input may take (zstd windows, xz
 * dictionaries): 128 MiB for the first (zstd --long=27, xz -9 need 64-128)
 * and what is left for those nested in it. */
#define ASH_MAX_DECODER_MEM (192ull << 20)
/* Zip members opened from one archive. */
#define ASH_MAX_ARCHIVE_MEMBERS 1000000u
/* Directory recursion depth. */
#define ASH_MAX_DIR_DEPTH 64u
/* Head of a text source hashed into head_sha256: only a filter before the
 * exact prefix hash of a grown file (the first lines of a log carry times
 * and session ids, so two different logs rarely share 4 KiB), and short
 * enough to cost nothing per file. */
#define ASH_HEAD_BYTES 4096u
/* Distinct sizes of earlier sources a grown file's prefix is hashed at, in
 * one pass (the largest ones, the longest prefixes, are kept). */
#define ASH_MAX_CONTINUATION_SIZES 64u

/* EVTX binary XML: nesting of documents inside substitution values
 * (BinXml values holding template instances holding BinXml values...). */
#define ASH_MAX_EVTX_NESTING 16u
/* EVTX binary XML: element nesting depth within one record. */
#define ASH_MAX_EVTX_DEPTH 64u
/* EVTX: decoded text of one record (names excluded). Templates let a small
 * record expand; a record whose text grows past this is rejected. */
#define ASH_MAX_EVTX_TEXT (1u << 20)
/* EVTX: XML nodes (elements, attributes, texts) of one decoded record. */
#define ASH_MAX_EVTX_NODES 16384u
/* EVTX: compiled template operations held per chunk. */
#define ASH_MAX_EVTX_OPS 65536u
/* EVTX: EventData/UserData items kept per record. */
#define ASH_MAX_EVTX_DATA 512u

/* Cisco ASA: built connections held waiting for their teardown (to pair
 * them into one flow with a duration). When full, the oldest is emitted
 * unpaired, with an attribute saying so. */
#define ASH_MAX_PENDING_FLOWS (1u << 18)
/* Mapped CSV/JSONL (--map): size of the map file and its mappings. */
#define ASH_MAX_MAP_BYTES (64u << 10)
#define ASH_MAX_MAP_RULES 256u

/* Findings (finding.h): evidence items kept per finding (more are counted,
 * not kept), entities per list, and bytes of one title/summary/text. */
#define ASH_MAX_FINDING_EVIDENCE 1000u
#define ASH_MAX_FINDING_ENTITIES 1000u
#define ASH_MAX_FINDING_TEXT (64u << 10)

/* scan: the environment profile file, names in it, and one name. */
#define ASH_MAX_PROFILE_BYTES (1u << 20)
#define ASH_MAX_SCAN_NAMES 50000u
#define ASH_MAX_SCAN_NAME 256u
/* scan: bytes of a file or archive member handed to YARA at once. Larger
 * inputs are scanned as windows of this size that overlap by
 * ASH_SCAN_OVERLAP bytes (longer than any generated string in UTF-16), so
 * memory stays bounded however large the file is. */
#define ASH_SCAN_WINDOW (64u << 20)
#define ASH_SCAN_OVERLAP (64u << 10)
/* scan: seconds YARA may spend on one window (responder rules can be
 * slow); a timeout is a counted, partial scan. */
#define ASH_SCAN_TIMEOUT_SEC 120
/* scan: busiest internal destination addresses taken from a case. */
#define ASH_MAX_CASE_IPS 256u
/* scan: findings kept in one run (lower scores are dropped and counted). */
#define ASH_MAX_SCAN_FINDINGS 100000u

/* Cloud ranges (ranges.h): the data file, one provider file given to
 * `ranges import`, prefixes and provider/region/service classes held. */
#define ASH_MAX_RANGES_BYTES (32u << 20)
#define ASH_MAX_RANGES_INPUT (64u << 20)
#define ASH_MAX_RANGES_PREFIXES 2000000u
#define ASH_MAX_RANGES_CLASSES 65536u

/* Hunts (hunt.h): what a hunt holds in memory while it streams a case.
 * Address pairs aggregated by cloud-tunnel (when full, pairs that never
 * held a long session are dropped to make room); session start times kept
 * per pair for the regularity scores (decimated beyond this); long
 * sessions kept per pair; hosts in the address-to-name map; loopback RDP
 * events; VPN sessions, logons per account and host, and antivirus
 * detections examined by past-incident-link; findings of one hunt. */
#define ASH_MAX_HUNT_PAIRS 1000000u
#define ASH_MAX_HUNT_STARTS 256u
#define ASH_MAX_HUNT_LONG 1024u
/* pairs whose short sessions keep their start times (the beacon hunt):
 * at most 2 KB each (ASH_MAX_HUNT_STARTS starts and sizes), 512 MiB in
 * all at worst. 32768 was reached by a 10^7-flow generated case (121,786
 * pairs wanted one; 315 findings uncapped, 236 at that cap); the model's
 * peak RSS there went from 167 to 215 MB. At the cap the pairs of least
 * rank keep theirs (model_flows.c, series_admit). */
#define ASH_MAX_HUNT_SERIES 262144u
#define ASH_MAX_HUNT_HOSTS 200000u
#define ASH_MAX_HUNT_RDP 100000u
#define ASH_MAX_HUNT_VPN 2000000u
#define ASH_MAX_HUNT_USERHOST 2000000u
#define ASH_MAX_HUNT_DETECTIONS 20000u
#define ASH_MAX_HUNT_FINDINGS 1000u

/* Sigma (sigma.h): one rule file, YAML nodes and nesting in it, rules in
 * one set, and the values of one event document. Rules larger than these
 * do not exist in SigmaHQ (the largest file is ~100 KB). */
#define ASH_MAX_SIGMA_FILE (4u << 20)
#define ASH_MAX_SIGMA_NODES 200000u
#define ASH_MAX_SIGMA_DEPTH 64u
#define ASH_MAX_SIGMA_RULES 100000u
#define ASH_MAX_SIGMA_DOC (4u << 20)

/* ClickHouse (ch.h): rows per insert request, kept under the server's
 * max_insert_block_size (1,048,576) so that one request is one block,
 * which MergeTree writes whole or not at all; the bytes of one request's
 * body (the TSV of 1M flow rows is ~150 MB; the cap leaves room for long
 * strings); the bytes of a query's answer kept in memory; the server's
 * error text kept. */
#define ASH_CH_BATCH_ROWS 1000000u
/* ... or fewer rows, when the body reaches this many bytes: a batch of
 * long rows (command lines) must not hold a gigabyte per table and shard */
#define ASH_CH_FLUSH_BYTES (64u << 20)
#define ASH_CH_MAX_BODY (1ull << 30)
#define ASH_CH_MAX_ANSWER (64u << 20)
#define ASH_CH_MAX_ERRTEXT 1024u
#define ASH_CH_MAX_SHARDS 64u

/* The watchlist (watchlist.h): items of each kind together, and the
 * footprint times kept to find the intruder's longest quiet gap. A real
 * intrusion names tens of addresses and accounts, not thousands. */
#define ASH_MAX_WATCH_ITEMS 10000u
#define ASH_MAX_WATCH_TIMES 200000u

/* watch (watch.h): one syslog message (RFC 5425 asks receivers for 8 KiB
 * at least; Windows events as JSON with a PowerShell script block run to
 * tens of KiB), TCP connections held at once (each holds at most one
 * message in assembly, so connections x message bounds that memory),
 * listeners, bytes queued between the network thread and the store
 * writer (when full, TCP is no longer read: the sender's window closes;
 * UDP datagrams are dropped and counted), sources open at once (sender x
 * day x format, each an open file: with the connections within the usual
 * 1024 descriptors; beyond it the least recently used is finished first),
 * and the live hunts' memory of known account sources. */
#define ASH_MAX_WATCH_MSG (128u << 10)
#define ASH_MAX_WATCH_CONNS 256u
#define ASH_MAX_WATCH_LISTENERS 16u
#define ASH_MAX_WATCH_QUEUE (64u << 20)
#define ASH_MAX_WATCH_SOURCES 256u
#define ASH_MAX_WATCH_KNOWN 100000u

#endif
