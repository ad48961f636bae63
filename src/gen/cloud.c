/* Internet endpoints of the simulated organisation. Cloud addresses come
 * from the providers' own published ranges (AWS ip-ranges.json createDate
 * 2025-07-24, Google Cloud cloud.json 2025-07-24, Azure ServiceTags_Public
 * change 363; copied from github.com/femueller/cloud-ip-ranges at 60937f4,
 * see data/README.md), so that attribution by range works on generated
 * cases exactly as on real ones. The few non-cloud destinations (CDNs and
 * hosters outside those lists, public DNS, NTP) are real networks too; the
 * addresses inside a prefix are chosen by the seed. Home ISPs and attacker
 * VPSs never appear here: they use the documentation ranges (org.c). */
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

static const g_endpoint EPS[] = {
    /* Office traffic of the workstations: weights are shares of flows. */
    {"saas-office", "Microsoft 365 (Azure Front Door)", EP_SAAS, "azure", "global",
     "AzureFrontDoor.Frontend", "13.107.208.0/24", "United States", 443, 6, 16, 26,
     "Microsoft.Office.365", "Collaboration"},
    {"saas-crm", "CRM SaaS", EP_SAAS, "aws", "us-east-1", "EC2", "52.4.0.0/14", "United States",
     443, 6, 6, 6, "Salesforce", "Business"},
    {"saas-chat", "team chat SaaS", EP_SAAS, "aws", "ap-northeast-1", "EC2", "54.250.0.0/16",
     "Japan", 443, 6, 6, 8, "Slack", "Collaboration"},
    {"saas-files", "file sharing SaaS", EP_SAAS, "gcp", "asia-northeast1", "Google Cloud",
     "34.84.0.0/16", "Japan", 443, 6, 8, 6, "Google.Drive", "Storage.Backup"},
    {"saas-video", "video meetings SaaS", EP_SAAS, "aws", "ap-northeast-1", "EC2", "13.112.0.0/14",
     "Japan", 443, 6, 8, 5, "Zoom", "Video/Audio"},
    {"cdn-cloudfront", "CDN (CloudFront)", EP_CDN, "aws", "GLOBAL", "CLOUDFRONT", "13.32.0.0/15",
     "Japan", 443, 6, 24, 12, "HTTPS.BROWSER", "Web.Client"},
    {"cdn-frontdoor", "CDN (Azure Front Door)", EP_CDN, "azure", "global",
     "AzureFrontDoor.Frontend", "13.105.221.0/24", "Japan", 443, 6, 8, 4, "HTTPS.BROWSER",
     "Web.Client"},
    {"gcp-apis", "Google APIs", EP_CDN, "gcp", "asia-northeast1", "Google Cloud", "34.104.128.0/17",
     "Japan", 443, 6, 8, 4, "Google.Services", "General.Interest"},
    {"web-akamai", "web (Akamai)", EP_WEB, "", "", "", "23.32.0.0/11", "Japan", 443, 6, 64, 10,
     "HTTPS.BROWSER", "Web.Client"},
    {"web-cloudflare", "web (Cloudflare)", EP_WEB, "", "", "", "104.16.0.0/13", "United States",
     443, 6, 64, 10, "HTTPS.BROWSER", "Web.Client"},
    {"web-fastly", "web (Fastly)", EP_WEB, "", "", "", "151.101.0.0/16", "United States", 443, 6,
     32, 5, "HTTPS.BROWSER", "Web.Client"},
    {"web-jp-hosting", "web (Japanese hoster)", EP_WEB, "", "", "", "133.242.0.0/16", "Japan", 443,
     6, 48, 6, "HTTPS.BROWSER", "Web.Client"},
    {"web-http", "web (plain HTTP)", EP_WEB, "", "", "", "23.32.0.0/11", "Japan", 80, 6, 32, 3,
     "HTTP.BROWSER", "Web.Client"},
    /* Servers. */
    {"backup-s3", "nightly backup to Amazon S3", EP_BACKUP, "aws", "ap-northeast-1", "S3",
     "52.219.0.0/20", "Japan", 443, 6, 16, 0, "Amazon.AWS.S3", "Storage.Backup"},
    {"monitoring", "monitoring agent intake (websocket)", EP_MONITOR, "aws", "ap-northeast-1",
     "EC2", "3.112.0.0/14", "Japan", 443, 6, 3, 0, "HTTPS", "Network.Service"},
    {"windows-update", "Windows Update for the WSUS server", EP_UPDATE, "azure", "japaneast",
     "AzureCloud", "4.189.0.0/16", "Japan", 443, 6, 8, 0, "Microsoft.Windows.Update", "Update"},
    {"defender-cloud", "Defender cloud protection and definitions", EP_AVCLOUD, "azure", "global",
     "MicrosoftDefenderForEndpoint", "4.208.13.0/24", "Ireland", 443, 6, 4, 0, "Microsoft.Defender",
     "Network.Service"},
    {"dns-google", "public DNS", EP_DNS, "", "", "", "8.8.8.8/32", "United States", 53, 17, 1, 0,
     "DNS", "Network.Service"},
    {"dns-cloudflare", "public DNS", EP_DNS, "", "", "", "1.1.1.1/32", "Australia", 53, 17, 1, 0,
     "DNS", "Network.Service"},
    {"ntp-nict", "NTP (NICT)", EP_NTP, "", "", "", "133.243.238.164/32", "Japan", 123, 17, 1, 0,
     "NTP", "Network.Service"},
    /* Where intruders rent their relay: EC2 in a few regions. */
    {"relay-tokyo", "EC2 instance", EP_RELAY_POOL, "aws", "ap-northeast-1", "EC2", "43.206.0.0/15",
     "Japan", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-virginia", "EC2 instance", EP_RELAY_POOL, "aws", "us-east-1", "EC2", "18.232.0.0/14",
     "United States", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-frankfurt", "EC2 instance", EP_RELAY_POOL, "aws", "eu-central-1", "EC2",
     "18.192.0.0/15", "Germany", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-singapore", "EC2 instance", EP_RELAY_POOL, "aws", "ap-southeast-1", "EC2",
     "13.250.0.0/15", "Singapore", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    /* The other providers of the families (family.c), two regions each,
     * from the same publications (Oracle public_ip_ranges.json
     * 2025-07-21, the DigitalOcean and Linode geofeeds of 2025-07; see
     * data/README.md). Each prefix lies whole inside one entry of the
     * provider's list, so that every address drawn from it is attributed
     * to the provider by data/cloud-ranges.tsv. Only families use them: the
     * classic case draws its relay from the AWS entries above. */
    {"relay-azure-japaneast", "Azure virtual machine", EP_RELAY_POOL, "azure", "japaneast",
     "AzureCloud", "13.78.0.0/17", "Japan", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-azure-eastus", "Azure virtual machine", EP_RELAY_POOL, "azure", "eastus", "AzureCloud",
     "13.68.128.0/17", "United States", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-gcp-tokyo", "Compute Engine instance", EP_RELAY_POOL, "gcp", "asia-northeast1",
     "Google Cloud", "34.146.0.0/16", "Japan", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-gcp-taiwan", "Compute Engine instance", EP_RELAY_POOL, "gcp", "asia-east1",
     "Google Cloud", "34.80.0.0/15", "Taiwan", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-oci-tokyo", "OCI compute instance", EP_RELAY_POOL, "oracle", "ap-tokyo-1", "OCI",
     "138.2.0.0/19", "Japan", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-oci-ashburn", "OCI compute instance", EP_RELAY_POOL, "oracle", "us-ashburn-1", "OCI",
     "129.80.0.0/16", "United States", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-do-singapore", "DigitalOcean droplet", EP_RELAY_POOL, "digitalocean", "Singapore, SG",
     "", "68.183.176.0/20", "Singapore", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-do-frankfurt", "DigitalOcean droplet", EP_RELAY_POOL, "digitalocean", "Frankfurt, DE",
     "", "46.101.128.0/17", "Germany", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-linode-tokyo", "Linode instance", EP_RELAY_POOL, "linode", "Tokyo, JP", "",
     "172.105.192.0/19", "Japan", 443, 6, 0, 0, "HTTPS", "Web.Client"},
    {"relay-linode-fremont", "Linode instance", EP_RELAY_POOL, "linode", "Fremont, US", "",
     "45.79.96.0/20", "United States", 443, 6, 0, 0, "HTTPS", "Web.Client"},
};

int g_relay_pool(const char *provider, const g_endpoint **out, int cap) {
  int n = 0;
  for (size_t i = 0; i < sizeof EPS / sizeof EPS[0] && n < cap; i++)
    if (EPS[i].role == EP_RELAY_POOL && !strcmp(EPS[i].provider, provider)) out[n++] = &EPS[i];
  return n;
}

const g_endpoint *g_endpoints(size_t *n) {
  *n = sizeof EPS / sizeof EPS[0];
  return EPS;
}

static void parse_cidr(const char *s, uint32_t *net, unsigned *len) {
  unsigned a = 0, b = 0, c = 0, d = 0, l = 32;
  if (sscanf(s, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &l) < 4) l = 32;
  *net = (a << 24) | (b << 16) | (c << 8) | d;
  *len = l > 32 ? 32 : l;
}

uint32_t g_ep_addr(const g_endpoint *ep, uint64_t seed, uint32_t k) {
  uint32_t net;
  unsigned len;
  parse_cidr(ep->cidr, &net, &len);
  if (len >= 31) return net;
  uint32_t size = len == 0 ? 0xffffffffu : (1u << (32 - len));
  uint64_t h = seed;
  for (const char *p = ep->name; *p; p++) h = g_mix(h ^ (uint8_t)*p);
  h = g_mix(h ^ k);
  for (;;) {
    uint32_t host = (uint32_t)(h % size);
    uint32_t last = host & 0xff;
    /* Avoid network and broadcast-looking addresses. */
    if (last != 0 && last != 255) return net + host;
    h = g_mix(h);
  }
}
