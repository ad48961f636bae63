/* The text of "%%NNNN" parameter references, one table per parameter
 * message file, each value with the place it was checked against.
 *
 * Sources (cited once here, by letter, next to each entry):
 *  [W] Windows' own rendering: the Security-Datasets exports
 *      (tests/data/security-datasets) keep the Message Windows rendered
 *      next to the event data, e.g. Direction "%%14593" beside
 *      "Direction: Outbound"; the pairs were read off those records.
 *  [C] Palo Alto Networks, Cortex Data Model Schema Guide,
 *      XDM_CONST.LOGON_IMPERSONATION_LEVEL (maps %%1831..%%1840 of 4624).
 *  [N] "Windows Account Logon Impersonation Level", thisismyclassnotes
 *      (2019-12-27): the %%1832..%%1849 list of msobjs.dll.
 *  [E] Microsoft, TOKEN_ELEVATION_TYPE enumeration (winnt.h), with
 *      artefacts.help "Process creation" (4688: %%1936 Default, %%1937
 *      Full, %%1938 Limited) and Windows' rendering of 4688 as
 *      "TokenElevationTypeDefault (1)" (eventopedia sample).
 *  [O] "Object Access Command codes" (hvacjob, 2009): %%1537..%%1542,
 *      %%4416..%%4424, %%4432..%%4437 of msobjs.dll; %%4416, %%4417,
 *      %%4423 and %%4432 agree with [W]. The file codes are
 *      %%4416 + the bit number of the access right (FILE_READ_DATA 0x1 ..
 *      FILE_WRITE_ATTRIBUTES 0x100, Microsoft "File Access Rights
 *      Constants"), which [W] confirms for 0x1, 0x2 and 0x80; %%4422 is
 *      FILE_DELETE_CHILD (0x40) by the same rule.
 *  [S] SigmaHQ rule comments (win_security_disable_event_auditing.yml:
 *      %%8448 "Success removed", %%8450 "Failure removed").
 *  [D] Defender's MpEvMsg.dll.mui (en-US), as read off three Windows
 *      images and reported in the notes of a LEAPP-family
 *      "defenderDetections" artifact (@AlexisBrignoni et al.): %%809
 *      Quarantine, %%811 Allow, %%818 Real-Time Protection, %%822 Concrete,
 *      %%823 Generic, %%845 Local machine, %%862 FastPath, %%887 Not
 *      Applicable. %%818, %%822 and %%845 agree with a 1116 record and its
 *      RenderingInfo as Windows rendered it ("Detection Source: Real-Time
 *      Protection", "Detection Type: Concrete", "Detection Origin: Local
 *      machine"; published in a PowerShell test script on GitHub), and
 *      %%887 sits next to Action ID 9, MP_THREAT_ACTION_NOACTION
 *      (Microsoft, MPTHREAT_ACTION enumeration, MpClient.h).
 *
 * A reference not listed is kept as it is: a guess would put words in
 * the evidence's mouth. %%827 (Defender's product name) is left out on
 * purpose: its wording changed between platform versions ([D]). */
#include "msgtable.h"

#include <stddef.h>

typedef struct msg {
  uint32_t code;
  const char *text;
} msg;

/* sorted by code */
static const msg SECURITY[] = {
    {1537, "DELETE"},                                                /* [O] */
    {1538, "READ_CONTROL"},                                          /* [O] */
    {1539, "WRITE_DAC"},                                             /* [O] */
    {1540, "WRITE_OWNER"},                                           /* [O] */
    {1541, "SYNCHRONIZE"},                                           /* [O] */
    {1542, "ACCESS_SYS_SEC"},                                        /* [O] */
    {1831, "Anonymous"},                                             /* [C] */
    {1832, "Identification"},                                        /* [C][N] */
    {1833, "Impersonation"},                                         /* [C][N][W] */
    {1840, "Delegation"},                                            /* [C][N] */
    {1841, "Denied by Process Trust Label ACE"},                     /* [N] */
    {1842, "Yes"},                                                   /* [N][W] */
    {1843, "No"},                                                    /* [N][W] */
    {1844, "System"},                                                /* [N] */
    {1845, "Not Available"},                                         /* [N] */
    {1846, "Default"},                                               /* [N] */
    {1847, "DisallowMmConfig"},                                      /* [N] */
    {1848, "Off"},                                                   /* [N] */
    {1849, "Auto"},                                                  /* [N] */
    {1936, "TokenElevationTypeDefault (1)"},                         /* [E] */
    {1937, "TokenElevationTypeFull (2)"},                            /* [E] */
    {1938, "TokenElevationTypeLimited (3)"},                         /* [E] */
    {4416, "ReadData (or ListDirectory)"},                           /* [O][W] */
    {4417, "WriteData (or AddFile)"},                                /* [O][W] */
    {4418, "AppendData (or AddSubdirectory or CreatePipeInstance)"}, /* [O] */
    {4419, "ReadEA"},                                                /* [O] */
    {4420, "WriteEA"},                                               /* [O] */
    {4421, "Execute/Traverse"},                                      /* [O] */
    {4422, "DeleteChild"},                                           /* [O] bit rule */
    {4423, "ReadAttributes"},                                        /* [O][W] */
    {4424, "WriteAttributes"},                                       /* [O] */
    {4432, "Query key value"},                                       /* [O][W] */
    {4433, "Set key value"},                                         /* [O] */
    {4434, "Create sub-key"},                                        /* [O] */
    {4435, "Enumerate sub-keys"},                                    /* [O] */
    {4436, "Notify about changes to keys"},                          /* [O] */
    {4437, "Create Link"},                                           /* [O] */
    {7168, "Connect to service controller"},                         /* [W] */
    {8448, "Success removed"},                                       /* [S] */
    {8450, "Failure removed"},                                       /* [S] */
    {14592, "Inbound"},                                              /* [W] */
    {14593, "Outbound"},                                             /* [W] */
    {14608, "Resource Assignment"},                                  /* [W] */
    {14609, "Listen"},                                               /* [W] */
    {14610, "Receive/Accept"},                                       /* [W] */
    {14611, "Connect"},                                              /* [W] */
};

static const msg DEFENDER[] = {
    {809, "Quarantine"},           /* [D] */
    {811, "Allow"},                /* [D] */
    {818, "Real-Time Protection"}, /* [D] + rendered 1116 */
    {822, "Concrete"},             /* [D] + rendered 1116 */
    {823, "Generic"},              /* [D] */
    {845, "Local machine"},        /* [D] + rendered 1116 */
    {862, "FastPath"},             /* [D] */
    {887, "Not Applicable"},       /* [D] */
};

static const char *find(const msg *t, size_t n, uint32_t code) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t[mid].code == code) return t[mid].text;
    if (t[mid].code < code)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const char *ash_msgtable_text(ash_msgtable t, uint32_t code) {
  switch (t) {
  case ASH_MSG_SECURITY: return find(SECURITY, sizeof SECURITY / sizeof SECURITY[0], code);
  case ASH_MSG_DEFENDER: return find(DEFENDER, sizeof DEFENDER / sizeof DEFENDER[0], code);
  default: return NULL;
  }
}

static int digit(char c) { return c >= '0' && c <= '9'; }

/* A reference at s.p[i]: "%%" and 1..9 digits. Returns its length (0 when
 * there is none) and the code. */
static size_t ref_at(ash_str s, size_t i, uint32_t *code) {
  if (i + 2 >= s.n || s.p[i] != '%' || s.p[i + 1] != '%' || !digit(s.p[i + 2])) return 0;
  uint32_t v = 0;
  size_t j = i + 2;
  while (j < s.n && digit(s.p[j]) && j - i - 2 < 9) v = v * 10 + (uint32_t)(s.p[j++] - '0');
  if (j < s.n && digit(s.p[j])) return 0; /* too long to be a message id */
  *code = v;
  return j - i;
}

int ash_msgtable_has_ref(ash_str v) {
  uint32_t c;
  for (size_t i = 0; i + 2 < v.n; i++)
    if (v.p[i] == '%' && ref_at(v, i, &c)) return 1;
  return 0;
}

int ash_msgtable_render(ash_msgtable t, ash_str v, ash_buf *out) {
  int done = 0;
  size_t run = 0;
  for (size_t i = 0; i < v.n;) {
    uint32_t code;
    size_t n = v.p[i] == '%' ? ref_at(v, i, &code) : 0;
    const char *txt = n ? ash_msgtable_text(t, code) : NULL;
    if (!txt) {
      i += n ? n : 1;
      continue;
    }
    if (ash_buf_add(out, v.p + run, i - run) || ash_buf_adds(out, txt)) return -1;
    done++;
    i += n;
    run = i;
  }
  if (ash_buf_add(out, v.p + run, v.n - run)) return -1;
  return done;
}
