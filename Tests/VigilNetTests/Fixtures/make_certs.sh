#!/usr/bin/env bash
# Makes a throwaway CA and two server certificates for 127.0.0.1 in DIR:
# good.pem/good.key (valid) and expired.pem/expired.key (expired in 2020).
set -euo pipefail
dir=$1
mkdir -p "$dir/ca/newcerts"
cd "$dir"
: > ca/index.txt
echo 01 > ca/serial
cat > ca.cnf <<'CNF'
[ca]
default_ca = test
[test]
dir = ./ca
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
[ext]
subjectAltName = IP:127.0.0.1
CNF
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj /CN=VigilTestCA 2>/dev/null
for name in good expired; do
  openssl req -newkey rsa:2048 -nodes -keyout $name.key -out $name.csr -subj /CN=127.0.0.1 2>/dev/null
done
openssl ca -batch -config ca.cnf -extensions ext -cert ca.pem -keyfile ca.key -days 30 \
  -in good.csr -out good.pem 2>/dev/null
openssl ca -batch -config ca.cnf -extensions ext -cert ca.pem -keyfile ca.key \
  -startdate 20200101000000Z -enddate 20200102000000Z -in expired.csr -out expired.pem 2>/dev/null
