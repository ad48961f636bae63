/* Logsources: which Windows events a rule's (product, category, service)
 * takes. The table follows the Sigma taxonomy appendix (Sysmon event ids
 * per category, one channel per service); the one deviation is
 * process_creation, which also takes Security 4688, seen through the
 * Sysmon field names (doc.c), because most cases have 4688 and no Sysmon.
 * docs/sigma.md prints the same table for users. */
#include <stdio.h>
#include <string.h>

#include "ashiato/error.h"
#include "sigma_int.h"

#define SYSMON "Microsoft-Windows-Sysmon/Operational"
#define PS "Microsoft-Windows-PowerShell/Operational"
#define PSCORE "PowerShellCore/Operational"

#define E(name, ...) static const int name[] = {__VA_ARGS__, 0}
E(E1, 1);
E(E2, 2);
E(E3, 3);
E(E4_16, 4, 16);
E(E5, 5);
E(E6, 6);
E(E7, 7);
E(E8, 8);
E(E9, 9);
E(E10, 10);
E(E11, 11);
E(E12_14, 12, 13, 14);
E(E12, 12);
E(E13, 13);
E(E14, 14);
E(E15, 15);
E(E17_18, 17, 18);
E(E19_21, 19, 20, 21);
E(E22, 22);
E(E23, 23);
E(E24, 24);
E(E25, 25);
E(E26, 26);
E(E27, 27);
E(E28, 28);
E(E29, 29);
E(E255, 255);
E(E400, 400);
E(E600, 600);
E(E800, 800);
E(E4103, 4103);
E(E4104, 4104);
E(E4688, 4688);

#define SM(v) static const lsalt v##_alt[] = {{SYSMON, v}}
SM(E2);
SM(E3);
SM(E4_16);
SM(E5);
SM(E6);
SM(E7);
SM(E8);
SM(E9);
SM(E10);
SM(E11);
SM(E12_14);
SM(E12);
SM(E13);
SM(E14);
SM(E15);
SM(E17_18);
SM(E19_21);
SM(E22);
SM(E23);
SM(E24);
SM(E25);
SM(E26);
SM(E27);
SM(E28);
SM(E29);
SM(E255);
static const lsalt PC_alt[] = {{SYSMON, E1}, {"Security", E4688}};
static const lsalt PS400_alt[] = {{"Windows PowerShell", E400}};
static const lsalt PS600_alt[] = {{"Windows PowerShell", E600}};
static const lsalt PS800_alt[] = {{"Windows PowerShell", E800}};
static const lsalt PSMOD_alt[] = {{PS, E4103}, {PSCORE, E4103}};
static const lsalt PSSCR_alt[] = {{PS, E4104}, {PSCORE, E4104}};

typedef struct lsent {
  const char *name;
  const lsalt *alt;
  size_t nalt;
  int overlay;
} lsent;
#define A(v) v, sizeof v / sizeof v[0]

static const lsent CATEGORIES[] = {
    {"process_creation", A(PC_alt), 1},
    {"file_change", A(E2_alt), 0},
    {"network_connection", A(E3_alt), 0},
    {"sysmon_status", A(E4_16_alt), 0},
    {"process_termination", A(E5_alt), 0},
    {"driver_load", A(E6_alt), 0},
    {"image_load", A(E7_alt), 0},
    {"create_remote_thread", A(E8_alt), 0},
    {"raw_access_thread", A(E9_alt), 0},
    {"process_access", A(E10_alt), 0},
    {"file_event", A(E11_alt), 0},
    {"registry_event", A(E12_14_alt), 0},
    {"registry_add", A(E12_alt), 0},
    {"registry_delete", A(E12_alt), 0},
    {"registry_set", A(E13_alt), 0},
    {"registry_rename", A(E14_alt), 0},
    {"create_stream_hash", A(E15_alt), 0},
    {"pipe_created", A(E17_18_alt), 0},
    {"wmi_event", A(E19_21_alt), 0},
    {"dns_query", A(E22_alt), 0},
    {"file_delete", A(E23_alt), 0},
    {"clipboard_capture", A(E24_alt), 0},
    {"process_tampering", A(E25_alt), 0},
    {"file_delete_detected", A(E26_alt), 0},
    {"file_block_executable", A(E27_alt), 0},
    {"file_block_shredding", A(E28_alt), 0},
    {"file_executable_detected", A(E29_alt), 0},
    {"sysmon_error", A(E255_alt), 0},
    {"ps_classic_start", A(PS400_alt), 0},
    {"ps_classic_provider_start", A(PS600_alt), 0},
    {"ps_classic_script", A(PS800_alt), 0},
    {"ps_module", A(PSMOD_alt), 0},
    {"ps_script", A(PSSCR_alt), 0},
};

/* services, from the taxonomy appendix */
static const lsalt SV_application[] = {{"Application", NULL}};
static const lsalt SV_application_experience[] = {
    {"Microsoft-Windows-Application-Experience/Program-Telemetry", NULL},
    {"Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant", NULL}};
static const lsalt SV_applocker[] = {{"Microsoft-Windows-AppLocker/MSI and Script", NULL},
                                     {"Microsoft-Windows-AppLocker/EXE and DLL", NULL},
                                     {"Microsoft-Windows-AppLocker/Packaged app-Deployment", NULL},
                                     {"Microsoft-Windows-AppLocker/Packaged app-Execution", NULL}};
static const lsalt SV_appmodel_runtime[] = {{"Microsoft-Windows-AppModel-Runtime/Admin", NULL}};
static const lsalt SV_appxdeployment_server[] = {
    {"Microsoft-Windows-AppXDeploymentServer/Operational", NULL}};
static const lsalt SV_appxpackaging_om[] = {{"Microsoft-Windows-AppxPackaging/Operational", NULL}};
static const lsalt SV_bitlocker[] = {{"Microsoft-Windows-BitLocker/BitLocker Management", NULL}};
static const lsalt SV_bits_client[] = {{"Microsoft-Windows-Bits-Client/Operational", NULL}};
static const lsalt SV_capi2[] = {{"Microsoft-Windows-CAPI2/Operational", NULL}};
static const lsalt SV_certificateservicesclient_lifecycle_system[] = {
    {"Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational", NULL}};
static const lsalt SV_codeintegrity_operational[] = {
    {"Microsoft-Windows-CodeIntegrity/Operational", NULL}};
static const lsalt SV_dhcp[] = {{"Microsoft-Windows-DHCP-Server/Operational", NULL}};
static const lsalt SV_diagnosis_scripted[] = {
    {"Microsoft-Windows-Diagnosis-Scripted/Operational", NULL}};
static const lsalt SV_dns_client[] = {{"Microsoft-Windows-DNS Client Events/Operational", NULL}};
static const lsalt SV_dns_server[] = {{"DNS Server", NULL}};
static const lsalt SV_dns_server_analytic[] = {{"Microsoft-Windows-DNS-Server/Analytical", NULL}};
static const lsalt SV_dns_server_audit[] = {{"Microsoft-Windows-DNS-Server/Audit", NULL}};
static const lsalt SV_driver_framework[] = {
    {"Microsoft-Windows-DriverFrameworks-UserMode/Operational", NULL}};
static const lsalt SV_firewall_as[] = {
    {"Microsoft-Windows-Windows Firewall With Advanced Security/Firewall", NULL}};
static const lsalt SV_hyper_v_worker[] = {{"Microsoft-Windows-Hyper-V-Worker", NULL}};
static const lsalt SV_iis_configuration[] = {{"Microsoft-IIS-Configuration/Operational", NULL}};
static const lsalt SV_kernel_event_tracing[] = {{"Microsoft-Windows-Kernel-EventTracing", NULL}};
static const lsalt SV_kernel_shimengine[] = {
    {"Microsoft-Windows-Kernel-ShimEngine/Operational", NULL},
    {"Microsoft-Windows-Kernel-ShimEngine/Diagnostic", NULL}};
static const lsalt SV_ldap[] = {{"Microsoft-Windows-LDAP-Client/Debug", NULL}};
static const lsalt SV_lsa_server[] = {{"Microsoft-Windows-LSA/Operational", NULL}};
static const lsalt SV_msexchange_management[] = {{"MSExchange Management", NULL}};
static const lsalt SV_ntfs[] = {{"Microsoft-Windows-Ntfs/Operational", NULL}};
static const lsalt SV_ntlm[] = {{"Microsoft-Windows-NTLM/Operational", NULL}};
static const lsalt SV_openssh[] = {{"OpenSSH/Operational", NULL}};
static const lsalt SV_powershell[] = {{"Microsoft-Windows-PowerShell/Operational", NULL}};
static const lsalt SV_powershell_classic[] = {{"Windows PowerShell", NULL}};
static const lsalt SV_printservice_admin[] = {{"Microsoft-Windows-PrintService/Admin", NULL}};
static const lsalt SV_printservice_operational[] = {
    {"Microsoft-Windows-PrintService/Operational", NULL}};
static const lsalt SV_security[] = {{"Security", NULL}};
static const lsalt SV_security_mitigations[] = {
    {"Microsoft-Windows-Security-Mitigations/Kernel Mode", NULL},
    {"Microsoft-Windows-Security-Mitigations/User Mode", NULL}};
static const lsalt SV_sense[] = {{"Microsoft-Windows-SENSE/Operational", NULL}};
static const lsalt SV_servicebus_client[] = {{"Microsoft-ServiceBus-Client/Operational", NULL},
                                             {"Microsoft-ServiceBus-Client/Admin", NULL}};
static const lsalt SV_shell_core[] = {{"Microsoft-Windows-Shell-Core/Operational", NULL}};
static const lsalt SV_smbclient_security[] = {{"Microsoft-Windows-SmbClient/Security", NULL}};
static const lsalt SV_sysmon[] = {{"Microsoft-Windows-Sysmon/Operational", NULL}};
static const lsalt SV_system[] = {{"System", NULL}};
static const lsalt SV_taskscheduler[] = {{"Microsoft-Windows-TaskScheduler/Operational", NULL}};
static const lsalt SV_terminalservices_localsessionmanager[] = {
    {"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", NULL}};
static const lsalt SV_vhdmp[] = {{"Microsoft-Windows-VHDMP/Operational", NULL}};
static const lsalt SV_windefend[] = {{"Microsoft-Windows-Windows Defender/Operational", NULL}};
static const lsalt SV_wmi[] = {{"Microsoft-Windows-WMI-Activity/Operational", NULL}};
/* not in the appendix, used by SigmaHQ rules */
static const lsalt SV_smbserver_connectivity[] = {
    {"Microsoft-Windows-SMBServer/Connectivity", NULL}};
static const lsalt SV_smbclient_connectivity[] = {
    {"Microsoft-Windows-SmbClient/Connectivity", NULL}};

static const lsent SERVICES[] = {
    {"application", SV_application, sizeof SV_application / sizeof SV_application[0], 0},
    {"application-experience", SV_application_experience,
     sizeof SV_application_experience / sizeof SV_application_experience[0], 0},
    {"applocker", SV_applocker, sizeof SV_applocker / sizeof SV_applocker[0], 0},
    {"appmodel-runtime", SV_appmodel_runtime,
     sizeof SV_appmodel_runtime / sizeof SV_appmodel_runtime[0], 0},
    {"appxdeployment-server", SV_appxdeployment_server,
     sizeof SV_appxdeployment_server / sizeof SV_appxdeployment_server[0], 0},
    {"appxpackaging-om", SV_appxpackaging_om,
     sizeof SV_appxpackaging_om / sizeof SV_appxpackaging_om[0], 0},
    {"bitlocker", SV_bitlocker, sizeof SV_bitlocker / sizeof SV_bitlocker[0], 0},
    {"bits-client", SV_bits_client, sizeof SV_bits_client / sizeof SV_bits_client[0], 0},
    {"capi2", SV_capi2, sizeof SV_capi2 / sizeof SV_capi2[0], 0},
    {"certificateservicesclient-lifecycle-system", SV_certificateservicesclient_lifecycle_system,
     sizeof SV_certificateservicesclient_lifecycle_system /
         sizeof SV_certificateservicesclient_lifecycle_system[0],
     0},
    {"codeintegrity-operational", SV_codeintegrity_operational,
     sizeof SV_codeintegrity_operational / sizeof SV_codeintegrity_operational[0], 0},
    {"dhcp", SV_dhcp, sizeof SV_dhcp / sizeof SV_dhcp[0], 0},
    {"diagnosis-scripted", SV_diagnosis_scripted,
     sizeof SV_diagnosis_scripted / sizeof SV_diagnosis_scripted[0], 0},
    {"dns-client", SV_dns_client, sizeof SV_dns_client / sizeof SV_dns_client[0], 0},
    {"dns-server", SV_dns_server, sizeof SV_dns_server / sizeof SV_dns_server[0], 0},
    {"dns-server-analytic", SV_dns_server_analytic,
     sizeof SV_dns_server_analytic / sizeof SV_dns_server_analytic[0], 0},
    {"dns-server-audit", SV_dns_server_audit,
     sizeof SV_dns_server_audit / sizeof SV_dns_server_audit[0], 0},
    {"driver-framework", SV_driver_framework,
     sizeof SV_driver_framework / sizeof SV_driver_framework[0], 0},
    {"firewall-as", SV_firewall_as, sizeof SV_firewall_as / sizeof SV_firewall_as[0], 0},
    {"hyper-v-worker", SV_hyper_v_worker, sizeof SV_hyper_v_worker / sizeof SV_hyper_v_worker[0],
     0},
    {"iis-configuration", SV_iis_configuration,
     sizeof SV_iis_configuration / sizeof SV_iis_configuration[0], 0},
    {"kernel-event-tracing", SV_kernel_event_tracing,
     sizeof SV_kernel_event_tracing / sizeof SV_kernel_event_tracing[0], 0},
    {"kernel-shimengine", SV_kernel_shimengine,
     sizeof SV_kernel_shimengine / sizeof SV_kernel_shimengine[0], 0},
    {"ldap", SV_ldap, sizeof SV_ldap / sizeof SV_ldap[0], 0},
    {"lsa-server", SV_lsa_server, sizeof SV_lsa_server / sizeof SV_lsa_server[0], 0},
    {"msexchange-management", SV_msexchange_management,
     sizeof SV_msexchange_management / sizeof SV_msexchange_management[0], 0},
    {"ntfs", SV_ntfs, sizeof SV_ntfs / sizeof SV_ntfs[0], 0},
    {"ntlm", SV_ntlm, sizeof SV_ntlm / sizeof SV_ntlm[0], 0},
    {"openssh", SV_openssh, sizeof SV_openssh / sizeof SV_openssh[0], 0},
    {"powershell", SV_powershell, sizeof SV_powershell / sizeof SV_powershell[0], 0},
    {"powershell-classic", SV_powershell_classic,
     sizeof SV_powershell_classic / sizeof SV_powershell_classic[0], 0},
    {"printservice-admin", SV_printservice_admin,
     sizeof SV_printservice_admin / sizeof SV_printservice_admin[0], 0},
    {"printservice-operational", SV_printservice_operational,
     sizeof SV_printservice_operational / sizeof SV_printservice_operational[0], 0},
    {"security", SV_security, sizeof SV_security / sizeof SV_security[0], 0},
    {"security-mitigations", SV_security_mitigations,
     sizeof SV_security_mitigations / sizeof SV_security_mitigations[0], 0},
    {"sense", SV_sense, sizeof SV_sense / sizeof SV_sense[0], 0},
    {"servicebus-client", SV_servicebus_client,
     sizeof SV_servicebus_client / sizeof SV_servicebus_client[0], 0},
    {"shell-core", SV_shell_core, sizeof SV_shell_core / sizeof SV_shell_core[0], 0},
    {"smbclient-security", SV_smbclient_security,
     sizeof SV_smbclient_security / sizeof SV_smbclient_security[0], 0},
    {"sysmon", SV_sysmon, sizeof SV_sysmon / sizeof SV_sysmon[0], 0},
    {"system", SV_system, sizeof SV_system / sizeof SV_system[0], 0},
    {"taskscheduler", SV_taskscheduler, sizeof SV_taskscheduler / sizeof SV_taskscheduler[0], 0},
    {"terminalservices-localsessionmanager", SV_terminalservices_localsessionmanager,
     sizeof SV_terminalservices_localsessionmanager /
         sizeof SV_terminalservices_localsessionmanager[0],
     0},
    {"vhdmp", SV_vhdmp, sizeof SV_vhdmp / sizeof SV_vhdmp[0], 0},
    {"windefend", SV_windefend, sizeof SV_windefend / sizeof SV_windefend[0], 0},
    {"wmi", SV_wmi, sizeof SV_wmi / sizeof SV_wmi[0], 0},
    {"smbserver-connectivity", A(SV_smbserver_connectivity), 0},
    {"smbclient-connectivity", A(SV_smbclient_connectivity), 0},
    {"microsoft-servicebus-client", A(SV_servicebus_client), 0},
};

static const lsent *find(const lsent *t, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(t[i].name, name)) return &t[i];
  return NULL;
}

static const char *scalar(const ynode *n) {
  return n && n->type == Y_SCALAR && !ash_yaml_is_null(n) ? n->s : NULL;
}

int ash_sigma_logsource(const ynode *ls, lsrc *out, char *name, size_t namen, char *err,
                        size_t errn) {
  memset(out, 0, sizeof *out);
  const char *product = scalar(ash_yaml_get(ls, "product"));
  const char *category = scalar(ash_yaml_get(ls, "category"));
  const char *service = scalar(ash_yaml_get(ls, "service"));
  snprintf(name, namen, "%s/%s", product ? product : "-",
           category  ? category
           : service ? service
                     : "-");
  if (!ls || ls->type != Y_MAP || !product || strcmp(product, "windows")) {
    snprintf(err, errn, "unmapped logsource %s", name);
    return ASH_ENOTFOUND;
  }
  if (!category && !service) {
    /* the detection says which events (EventID, Channel, Provider_Name) */
    out->any = 1;
    return ASH_OK;
  }
  const lsent *e = NULL;
  if (category)
    e = find(CATEGORIES, sizeof CATEGORIES / sizeof CATEGORIES[0], category);
  else if (service)
    e = find(SERVICES, sizeof SERVICES / sizeof SERVICES[0], service);
  if (!e) {
    snprintf(err, errn, "unmapped logsource %s", name);
    return ASH_ENOTFOUND;
  }
  out->alt = e->alt;
  out->nalt = e->nalt;
  out->overlay = e->overlay;
  return ASH_OK;
}

int ash_sigma_logsource_takes(const lsrc *ls, int64_t eid, ash_str channel) {
  if (ls->any) return 1;
  for (size_t i = 0; i < ls->nalt; i++) {
    if (!ash_str_ieq(channel, ls->alt[i].channel)) continue;
    if (!ls->alt[i].eids) return 1;
    for (const int *p = ls->alt[i].eids; *p; p++)
      if (*p == eid) return 1;
  }
  return 0;
}
