#!/bin/sh
# Writes an RSA server certificate for the TLS-terminating HAProxy, signed by the CA of
# `ocpp-gateway certs init` (ECDSA). The TLS_RSA_WITH_AES_*_GCM_* suites OCPP requires
# carry the key exchange in the server's RSA key, so HAProxy needs an RSA certificate
# beside the ECDSA one; it picks the one the charger's cipher list asks for.
#
#   deploy/haproxy/rsa-server-cert.sh CERT_DIR [HOST...]
#
# CERT_DIR holds ca.pem, ca.key and server.pem/server.key (from `certs init`). Writes
# CERT_DIR/haproxy-ecdsa.pem and CERT_DIR/haproxy-rsa.pem: each the certificate, the CA
# and the key in one file, as HAProxy's `crt` takes them. Hosts default to localhost and
# 127.0.0.1. An existing RSA key is reused.
set -eu
dir=${1:?usage: rsa-server-cert.sh CERT_DIR [HOST...]}
shift
[ "$#" -gt 0 ] || set -- localhost 127.0.0.1
san=""
for h in "$@"; do
    case "$h" in
        *[!0-9.]*) san="${san:+$san,}DNS:$h" ;;
        *) san="${san:+$san,}IP:$h" ;;
    esac
done
umask 077
key="$dir/server-rsa.key"
[ -f "$key" ] || openssl genrsa -out "$key" 2048 2>/dev/null
ext=$(mktemp)
trap 'rm -f "$ext" "$dir/server-rsa.csr"' EXIT
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$san" >"$ext"
openssl req -new -key "$key" -subj "/CN=$1" -out "$dir/server-rsa.csr"
openssl x509 -req -in "$dir/server-rsa.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 365 -sha256 -extfile "$ext" -out "$dir/server-rsa.pem" 2>/dev/null
cat "$dir/server-rsa.pem" "$dir/ca.pem" "$key" >"$dir/haproxy-rsa.pem"
cat "$dir/server.pem" "$dir/server.key" >"$dir/haproxy-ecdsa.pem"
echo "wrote $dir/haproxy-ecdsa.pem and $dir/haproxy-rsa.pem"
