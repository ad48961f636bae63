#include "ashiato/error.h"

const char *ash_strerror(int err) {
  switch (err) {
  case ASH_OK: return "success";
  case ASH_ENOMEM: return "out of memory";
  case ASH_EIO: return "input/output error";
  case ASH_EFORMAT: return "unrecognised or malformed input";
  case ASH_ELIMIT: return "a size limit was reached";
  case ASH_EUSAGE: return "invalid argument";
  case ASH_ESTORE: return "case store error";
  case ASH_ENOTFOUND: return "not found";
  case ASH_EARCHIVE: return "compressed or archived input could not be read";
  case ASH_ESTOP: return "stopped";
  case ASH_ECHANGED: return "evidence changed since ingest";
  case ASH_EVERSION: return "case made by an earlier version of ashiato: ingest the evidence again";
  default: return "unknown error";
  }
}
