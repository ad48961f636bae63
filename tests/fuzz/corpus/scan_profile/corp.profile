# ashiato environment profile for CORP.EXAMPLE.LOCAL
domain:  CORP.EXAMPLE.LOCAL
netbios: CORP
dc:      DC01, DC02
server:  FS01, APP02, DB01
admin:   adm.tanaka, da-suzuki
service: svc_backup, svc_sql
account: t.sato
range:   10.20.0.0/16, 10.0.0.0/8, 192.168.10.0/25
ip:      10.20.1.10
url:     https://intranet.corp.example.local/portal
share:   \\FS01\Finance
