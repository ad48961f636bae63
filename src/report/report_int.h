/* Internal to src/report: the message catalogue of the HTML report. */
#ifndef ASH_REPORT_INT_H
#define ASH_REPORT_INT_H

#include "ashiato/report.h"

/* Every fixed string of the report. A message with arguments names them
 * {1}..{9}, so that a language may put them in its own order; the report
 * substitutes each argument escaped for HTML (never through printf, so
 * that hostile text cannot act as a format). Every language's text takes
 * the same arguments (tests/unit/test_report.c checks). */
typedef enum ash_msg {
  M_LANG_CODE,
  M_TITLE,
  M_CASE,
  M_GENERATED,
  M_ZONE,
  M_TOC,
  M_S1,
  M_S2,
  M_S3,
  M_S4,
  M_S5,
  M_S6,
  M_SEV_LOW,
  M_SEV_MEDIUM,
  M_SEV_HIGH,
  M_SEV_CRITICAL,
  M_OVERVIEW, /* {1} findings, {2} critical, {3} high, {4} medium, {5} low */
  M_SPAN,     /* {1} first, {2} last */
  M_NOFINDINGS,
  M_STORY_INTRO,
  M_STORY_LINK,        /* {1} host {2} file {3} account {4} vpn source */
  M_STORY_RETURN,      /* {1} account {2} new addresses {3} hosts */
  M_STORY_ACCOUNT,     /* {1} account {2} new sources {3} addresses {4} hosts */
  M_STORY_HOP,         /* {1} admin {2} jump host {3} session account {4} targets */
  M_STORY_TUNNEL,      /* {1} host {2} relay {3} provider {4} days */
  M_STORY_LOOP,        /* {1} host {2} accounts {3} program */
  M_STORY_LOOP_NOPROG, /* {1} host {2} accounts: the relay program is in no log */
  M_STORY_BEACON,      /* {1} host {2} address {3} interval */
  M_STORY_SIGMA,       /* {1} rule {2} hosts {3} host list */
  M_STORY_SIGMA1,      /* {1} rule {2} unused {3} host */
  M_STORY_IMPLANT,     /* {1} file names {2} files {3} hosts */
  M_STORY_OTHER,       /* {1} hunt {2} title */
  M_HEAD_SESSIONS,     /* {1} host {2} address {3} provider */
  M_HEAD_IMPLANT,      /* {1} file {2} host */
  M_HEAD_LINK,         /* {1} host {2} file {3} account weighed */
  M_HEAD_LINK_NONE,    /* {1} host {2} file */
  M_HEAD_ACCOUNT,      /* {1} account {2} outside sources {3} hosts */
  M_HEAD_RELAY,        /* {1} host {2} program */
  M_HEAD_LONGCONN,     /* {1} host {2} address {3} time connected */
  M_HEAD_OTHER,        /* {1} hunt {2} host */
  M_STORY_REST,        /* {1} lower findings */
  M_SEE,               /* {1} finding number */
  M_LANE_VPN,
  M_LANE_FW,
  M_LANE_WIN,
  M_LANE_AV,
  M_LANE_OTHER,
  M_LANE_FINDINGS,
  M_TL_LEGEND, /* {1} bucket width {2} cap */
  M_TL_NONE,
  M_SCORE,
  M_HUNT,
  M_FIRST,
  M_LAST,
  M_ACCOUNTS,
  M_HOSTS,
  M_ADDRESSES,
  M_FILES,
  M_REASONS,
  M_NOREASONS,
  M_ATTACK,
  M_EVIDENCE,
  M_SUMMARY,
  M_SUMMARY_LANG,
  M_REASON_LANG, /* after a reason the catalogue cannot render: its English */
  M_FILE,
  M_OFFSET, /* {1} */
  M_RECORD, /* {1} */
  M_VERIFIED,
  M_CHANGED, /* {1} what differs */
  M_MISSING,
  M_NOSOURCE,
  M_UNREADABLE,    /* {1} error */
  M_MORE_EVIDENCE, /* {1} items */
  M_CUT,           /* {1} bytes shown, {2} bytes in all */
  M_BUDGET,
  M_FINDINGS_CAP, /* {1} shown whole {2} in all */
  M_ACCOUNT,
  M_VPN_SESSIONS,
  M_VPN_SOURCES,
  M_FIRST_SEEN,
  M_HOSTS_REACHED,
  M_LOGON_TYPES,
  M_IN_FINDINGS,
  M_HOST,
  M_LOGONS_IN,
  M_GRAPH,
  M_GRAPH_NONE,
  M_GRAPH_INTR, /* {1} logons from the intrusion's sessions */
  M_ENT_NONE,
  M_ENT_CAP, /* {1} shown {2} in all */
  M_SRC_FILE,
  M_FORMAT,
  M_SIZE,
  M_READ,
  M_PARSED,
  M_REJECTED,
  M_TIMESPAN,
  M_SKIPPED, /* {1} reason */
  M_INCOMPLETE,
  M_SRC_TOTALS, /* {1} sources {2} read {3} parsed {4} rejected */
  M_SRC_BALANCED,
  M_SRC_UNBALANCED,
  M_SRC_CAP,       /* {1} shown {2} in all */
  M_INCIDENT,      /* {1} id {2} findings {3} first {4} last */
  M_UNLINKED,      /* heading: high findings in no incident */
  M_PLAN_FROM,     /* {1} firewall vendor sentence of the plan */
  M_PLAN_CUTOFF,   /* {1} the first footprint, in --tz */
  M_PLAN_RESTORE,  /* {1} newest backup before it {2} its host */
  M_PLAN_BACKUPS,  /* {1} runs seen {2} suspect */
  M_PLAN_RESTS_ON, /* label before the cited findings */
  M_PLAN_CONFIG,   /* {1} vendor */
  M_PLAN_DIRECTORY,
  M_PLAN_ERROR, /* {1} error */
  M_FOOTER,
  M_COUNT
} ash_msg;

/* The text of m in lang (never NULL). */
const char *ash_msg_get(ash_lang lang, ash_msg m);

/* Append s escaped for HTML element text or a double-quoted attribute
 * value (the same escapes serve both): & < > " ' as entities; C0 controls
 * but TAB and LF, DEL and bytes that are not UTF-8 as the visible text
 * \xHH, and the code points of ash_cp_unsafe (bidi and C1 controls,
 * U+2028/9) as \u{XXXX}, so that a NUL or an RTL override in a log line
 * is seen, never acted on. In element text (attr 0) those escapes are
 * wrapped in <span class="ctl"> so that they are told apart from the
 * same characters logged literally. */
int ash_html_text(ash_buf *out, const char *s, size_t n, int attr);

#endif
