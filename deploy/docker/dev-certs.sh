#!/bin/sh
# Development certificates and a SASL user for Blink's SASL_SSL listener (docker compose
# --profile secure runs this once in its dev-certs service; it also runs as is on a host with
# openssl). Never use these in production: the CA key sits beside the certificates.
#
#   sh deploy/docker/dev-certs.sh [DIR]          DIR defaults to ./dev-certs
#
# Writes, unless DIR/tls.crt already exists:
#   DIR/ca.crt, DIR/ca.key     a CA valid for 825 days (give ca.crt to clients)
#   DIR/tls.crt, DIR/tls.key   the broker's certificate, signed by that CA, for the names in
#                              BLINK_CERT_HOSTS (default "localhost blink blink-secure") and 127.0.0.1
#   DIR/users/admin            the password of SASL user "admin" (BLINK_ADMIN_PASSWORD,
#                              default admin-secret), for sasl_users_dir
# Run as root (as in the compose service), it hands the files to the image's user (uid 1000).
set -eu

dir=${1:-./dev-certs}
hosts=${BLINK_CERT_HOSTS:-localhost blink blink-secure}
password=${BLINK_ADMIN_PASSWORD:-admin-secret}

if [ -f "$dir/tls.crt" ]; then
  echo "dev-certs: $dir/tls.crt exists; delete $dir to make new ones"
  exit 0
fi
command -v openssl >/dev/null 2>&1 || apk add --no-cache openssl >/dev/null
mkdir -p "$dir/users"
umask 077

san="IP:127.0.0.1"
for host in $hosts; do san="$san,DNS:$host"; done
ext="$dir/server.ext"
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n' "$san" > "$ext"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
  -subj "/CN=Blink development CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=$(echo "$hosts" | cut -d' ' -f1)" -keyout "$dir/tls.key" -out "$dir/tls.csr" 2>/dev/null
openssl x509 -req -in "$dir/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 825 -extfile "$ext" -out "$dir/tls.crt" 2>/dev/null
rm -f "$dir/tls.csr" "$ext" "$dir/ca.srl"
printf '%s' "$password" > "$dir/users/admin"
chmod 0644 "$dir/ca.crt" "$dir/tls.crt"
chmod 0755 "$dir" "$dir/users"
if [ "$(id -u)" = 0 ]; then chown -R 1000:1000 "$dir"; fi
echo "dev-certs: wrote $dir (CA $dir/ca.crt; SASL user admin)"
