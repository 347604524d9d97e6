#!/bin/bash
# tls.sh: the client over TLS, with a test CA and certificates made here:
# verified against a CA (STEPWISE_CA_FILE) or by a pinned public key; a
# wrong CA, a certificate for another address and a wrong pin are refused
# and nothing is stored; plain http to another host is refused at enroll.
#   tls.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || skip_all "no openssl"

# A CA, a server certificate for IP 127.0.0.1 signed by it, another CA, and
# a certificate from the right CA for another address.
mkca() { # NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$T/$1.key" -out "$T/$1.pem" -days 2 -subj "/CN=Stepwise test $1" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>>"$T/openssl.log"
}
mkcert() { # NAME CA SAN
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$T/$1.key" -out "$T/$1.csr" -subj "/CN=$3" 2>>"$T/openssl.log" &&
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' "$3" >"$T/$1.ext" &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/$2.pem" -CAkey "$T/$2.key" \
	    -CAcreateserial -out "$T/$1.pem" -days 2 -extfile "$T/$1.ext" 2>>"$T/openssl.log"
}
pin() { # CERT
	echo "sha256//$(openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
}
mkca ca && mkca otherca && mkcert srv ca IP:127.0.0.1 && mkcert other ca IP:127.0.0.2 &&
    openssl verify -CAfile "$T/ca.pem" "$T/srv.pem" >/dev/null 2>&1 &&
    ok "test CA and a certificate for IP 127.0.0.1" || { bad "openssl" "$(cat "$T/openssl.log")"; finish; }
PIN=$(pin "$T/srv.pem") WRONGPIN=$(pin "$T/otherca.pem")

make_clinic "$T/c" || finish
start_server srv "$T/c" 0 --tls-cert "$T/srv.pem" --tls-key "$T/srv.key" || finish
grep -qx "listening on https://127.0.0.1:${PORT[srv]}" "$T/srv.out" && ok "serve --tls-cert says https" || bad "serve first line" "$(cat "$T/srv.out")"
URL="https://127.0.0.1:${PORT[srv]}"
set_url "$T/c" "$URL"
curl -sS --cacert "$T/ca.pem" "$URL/v1/health" >"$T/health" 2>&1 &&
    grep -q '"status":"ok"' "$T/health" && ok "curl with the CA reaches /v1/health over TLS" || bad "curl health" "$(cat "$T/health")"
devices() { sqlite3 "$(clinic_db "$T/c")" 'SELECT count(*) FROM devices'; }

# A: no pin; verified against a CA.
make_profile a && seed a phq9 1,1,1,1,1,1,1,1,0 1700000000 || finish
enroll_file "$T/c" RA "$T/a.stepwise" && enroll a "$T/a.stepwise" || finish
sw_sync a; st=$?
expect "no pin, a CA the system does not know: exit 4" 4 $st "$(cat "$T/a.sync")"
grep -qi "certificate could not be checked" "$T/a.sync" && ok "and says the certificate could not be checked" || bad "unknown CA: reason" "$(cat "$T/a.sync")"
STEPWISE_CA_FILE="$T/otherca.pem" sw_sync a; st=$?
expect "the wrong CA: exit 4" 4 $st "$(cat "$T/a.sync")"
grep -qi "certificate could not be checked" "$T/a.sync" && ok "and says the certificate could not be checked" || bad "wrong CA: reason" "$(cat "$T/a.sync")"
expect "nothing stored: no device" 0 "$(devices)"
expect "nothing stored: no record" 0 "$(clinic_count "$T/c")"
STEPWISE_CA_FILE="$T/ca.pem" sw_sync a; st=$?
expect "STEPWISE_CA_FILE with the right CA: exit 0" 0 $st "$(cat "$T/a.sync")"
expect "the record arrived over TLS" "$(export_ids a)" "$(clinic_ids "$T/c")"

# B: the right pin, no CA.
make_profile b && seed b phq9 2,2,2,2,2,2,2,2,0 1700000000 || finish
enroll_file "$T/c" RB "$T/b.stepwise" --tls-pin "$PIN" && enroll b "$T/b.stepwise" || finish
sw_sync b; st=$?
expect "the right pin and no CA: exit 0" 0 $st "$(cat "$T/b.sync")"
expect "its record arrived" 2 "$(clinic_count "$T/c")"

# C: a wrong pin: refused even with the right CA at hand.
make_profile c2 && seed c2 phq9 0,1,0,1,0,1,0,1,0 1700000000 || finish
enroll_file "$T/c" RC "$T/c2.stepwise" --tls-pin "$WRONGPIN" && enroll c2 "$T/c2.stepwise" || finish
STEPWISE_CA_FILE="$T/ca.pem" sw_sync c2; st=$?
expect "a wrong pin: exit 4" 4 $st "$(cat "$T/c2.sync")"
grep -qi "certificate could not be checked" "$T/c2.sync" && ok "and says the certificate could not be checked" || bad "wrong pin: reason" "$(cat "$T/c2.sync")"
expect "nothing stored from it: devices" 2 "$(devices)"
expect "nothing stored from it: records" 2 "$(clinic_count "$T/c")"

# D: two pins, the next key first: the right one anywhere in the list works.
make_profile d && seed d gad7 1,1,1,1,1,1,1 1700000000 || finish
enroll_file "$T/c" RD "$T/d.stepwise" --tls-pin "$WRONGPIN;$PIN" && enroll d "$T/d.stepwise" || finish
sw_sync d; st=$?
expect "a pin list holding the right key: exit 0" 0 $st "$(cat "$T/d.sync")"
expect "its record arrived" 3 "$(clinic_count "$T/c")"

# E: a certificate from the right CA for another address.
start_server srv2 "$T/c" 0 --tls-cert "$T/other.pem" --tls-key "$T/other.key" || finish
set_url "$T/c" "https://127.0.0.1:${PORT[srv2]}"
make_profile e && seed e phq9 1,0,1,0,1,0,1,0,0 1700000000 || finish
enroll_file "$T/c" RE "$T/e.stepwise" && enroll e "$T/e.stepwise" || finish
STEPWISE_CA_FILE="$T/ca.pem" sw_sync e; st=$?
expect "a certificate for 127.0.0.2: exit 4" 4 $st "$(cat "$T/e.sync")"
grep -qi "certificate could not be checked" "$T/e.sync" && ok "and says the certificate could not be checked" || bad "wrong host: reason" "$(cat "$T/e.sync")"
expect "nothing stored from it" "3 3" "$(devices) $(clinic_count "$T/c")"

# F: plain http to an address that is not loopback is refused at enroll.
make_profile f || finish
enroll_file "$T/c" RF "$T/f.stepwise" || finish
python3 - "$T/f.stepwise" <<'PY'
import json, sys
e = json.load(open(sys.argv[1])); e["url"] = "http://192.0.2.10:8470"
json.dump(e, open(sys.argv[1], "w"))
PY
sw f enroll --no-sync "$T/f.stepwise" >"$T/f.enroll" 2>&1; st=$?
[ $st -eq 1 ] && grep -qi "http" "$T/f.enroll" && ok "enroll refuses http:// to 192.0.2.10 and says why" || bad "http enroll: status $st" "$(cat "$T/f.enroll")"
sw_sync f; st=$?
expect "that profile is not enrolled: sync exits 1" 1 $st "$(cat "$T/f.sync")"
finish
