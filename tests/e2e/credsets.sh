#!/usr/bin/env bash
# Credential sets through the credtoken CLI: every type created, listed and
# shown, the secrets never shown, the bad inputs refused with one line and
# nothing left behind, the set limit, an Azure SAS signed in the token that
# is byte for byte the one openssl computes from the raw key, a Google JWT
# signed in the token that openssl verifies, and AWS SigV4 headers checked
# against AWS's published example and against curl --aws-sigv4. Sets are
# updated (the engine then signs with the new key; the SAS is computed from
# the new key) and deleted; SIGKILL during create, update and delete leaves
# every set whole (old or new) or absent.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
use_cli
create() { # create ID FILE [flags...]
  local id=$1 file=$2; shift 2
  ct set create "$id" --from "$file" --so-pin-file so.pin --pin-file user.pin "$@"
}
nsets() { ct set list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

step "material: a CA, a device key and certificate, an RSA key"
make_ca ca
file_cert ca dev
make_ca other
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null
SECRET='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

step "every type is created"
cat >x509.json <<EOF
{"type":"x509","description":"mTLS to the broker","credentials":{"key":$(json_str dev.key),
 "cert":$(json_str dev.crt),"ca":$(json_str ca.crt)}}
EOF
cat >aws.json <<EOF
{"type":"aws-credentials","credentials":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"$SECRET"}}
EOF
cat >role.json <<'EOF'
{"type":"aws-iam-role-credentials","credentials":{"roleArn":"arn:aws:iam::123456789012:role/dev","externalId":"ext-1"}}
EOF
cat >bus.json <<'EOF'
{"type":"azure-credentials","credentials":{"policyName":"RootManageSharedAccessKey","key":"YnVzLWtleS10ZXh0"}}
EOF
cat >hub.json <<'EOF'
{"type":"azureIoT-credentials","credentials":{"sharedAccessKeyName":"iothubowner","sharedAccessKey":"c2VjcmV0LWtleQ=="}}
EOF
cat >gcpiot.json <<EOF
{"type":"googleIoT-credentials","credentials":{"projectId":"p","region":"europe-west1","registryId":"r",
 "deviceId":"d","algorithm":"ES256","privateKey":$(json_str ec.key)}}
EOF
sa_body rsa.key >sa.json
cat >pubnub.json <<'EOF'
{"type":"pubnub-credentials","credentials":{"publishKey":"pub-c-1","subscribeKey":"sub-c-2"}}
EOF
cat >psk.json <<'EOF'
{"type":"psk","credentials":{"key":"my-secret-key"}}
EOF
for t in x509 aws role bus hub gcpiot sa pubnub psk; do
  create "set-$t" "$t.json" >out.txt
  expect_in "created set \"set-$t\"" out.txt
done
# CRLF line endings, and AWS corePKCS11's labels.
sed 's/$/\r/' dev.key >dev-crlf.key
cat >x509crlf.json <<EOF
{"type":"x509","credentials":{"key":$(json_str dev-crlf.key),"cert":$(json_str dev.crt),"ca":$(json_str ca.crt)}}
EOF
create set-aws-iot x509crlf.json --aws-labels >/dev/null
$P11 --token-label set-aws-iot --login --pin $PIN --list-objects >objs.txt
expect_in "Device Priv TLS Key" objs.txt
expect_in "Device Cert" objs.txt
expect_in "Root Cert" objs.txt

step "set list --json: the API's shape, and no secret anywhere"
ct set list --json >list.json
python3 - list.json <<'PY'
import json, sys
sets = {s["credentialsId"]: s for s in json.load(open(sys.argv[1]))}
want = {"set-x509": "x509", "set-aws": "aws-credentials", "set-role": "aws-iam-role-credentials",
        "set-bus": "azure-credentials", "set-hub": "azureIoT-credentials",
        "set-gcpiot": "googleIoT-credentials", "set-sa": "google-service-account-json",
        "set-pubnub": "pubnub-credentials", "set-psk": "psk", "set-aws-iot": "x509"}
for k, t in want.items():
    s = sets[k]
    assert s["type"] == t, s
    assert s["credentials"] == {}, s
    for f in ("description", "createDateTime", "updateDateTime"):
        assert f in s, (k, f)
assert sets["set-x509"]["description"] == "mTLS to the broker"
print("list ok:", len(sets), "sets")
PY
for secret in "$SECRET" my-secret-key c2VjcmV0LWtleQ== "PRIVATE KEY"; do
  if grep -q -- "$secret" list.json; then fail "set list shows a secret"; fi
done
ct set list >table.txt
expect_in "set-gcpiot" table.txt

step "the x509 set signs through the pkcs11 engine; its key is not readable"
/usr/bin/python3 "$here/read_sensitive.py" "$MOD" set-x509 $PIN >sens.txt
expect_in "private key values are sensitive" sens.txt
echo hello >msg.txt
engine_signs set-x509 dev.crt sig.bin

step "the x509 set's key: curl and mosquitto with mutual TLS on 127.0.0.1"
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
file_cert ca server san.ext
uri="pkcs11:token=set-x509;object=device;type=private;pin-value=$PIN"
port=$(free_port)
openssl s_server -accept "127.0.0.1:$port" -cert server.crt -key server.key \
  -CAfile ca.crt -Verify 1 -verify_return_error -www >server.log 2>&1 &
PIDS+=($!)
wait_port "$port"
OPENSSL_CONF=$WORK/openssl.cnf curl -sS --fail --cacert ca.crt --cert dev.crt --engine pkcs11 \
  --key-type ENG --key "$uri" "https://127.0.0.1:$port/" >page.html 2>curl.err ||
  { cat curl.err server.log; fail "curl with the set's key"; }
expect_in "Subject: CN=dev" page.html
mport=$(free_port)
cat >broker.conf <<CONF
per_listener_settings false
user root
allow_anonymous true
listener $mport 127.0.0.1
cafile $WORK/ca.crt
certfile $WORK/server.crt
keyfile $WORK/server.key
require_certificate true
CONF
mosquitto -c broker.conf >broker.log 2>&1 &
PIDS+=($!)
wait_port "$mport"
mosquitto_sub -h 127.0.0.1 -p "$mport" --cafile ca.crt --cert server.crt --key server.key \
  -t credtoken/sets -C 1 -W 20 >received.txt 2>sub.err &
sub=$!
PIDS+=($sub)
sleep 1
touch "$uri" # mosquitto 2.0.11 also opens the key argument as a file
PKCS11_MODULE_PATH=$MOD OPENSSL_CONF=$WORK/openssl.cnf mosquitto_pub -h 127.0.0.1 -p "$mport" \
  --cafile ca.crt --cert dev.crt --tls-engine pkcs11 --keyform engine --key "$uri" \
  -t credtoken/sets -m "hello from a credential set" 2>pub.err || { cat pub.err broker.log; fail "publish"; }
wait "$sub" || { cat sub.err; fail "subscriber"; }
expect_in "hello from a credential set" received.txt

step "azure-sas: signed in the token, identical to openssl's from the raw key"
URI=myhub.azure-devices.net/devices/dev1
ct azure-sas --set set-hub --resource "$URI" --expiry 1700000000 --pin-file user.pin >sas.txt
sas_expect "$(printf 'secret-key' | od -An -tx1 | tr -d ' \n')" "$URI" 1700000000 iothubowner >want.txt
diff sas.txt want.txt || fail "IoT Hub SAS differs from openssl's"
ct azure-sas --set set-bus --resource "sb://ns.servicebus.windows.net/q" --expiry 1800000000 \
  --pin-file user.pin >sas2.txt
sas_expect "$(printf 'YnVzLWtleS10ZXh0' | od -An -tx1 | tr -d ' \n')" "sb://ns.servicebus.windows.net/q" \
  1800000000 RootManageSharedAccessKey >want2.txt
diff sas2.txt want2.txt || fail "Service Bus SAS differs from openssl's"
ct azure-sas --set set-hub --resource "$URI" --ttl 3600 --pin-file user.pin >sas3.txt
expect_in "SharedAccessSignature sr=" sas3.txt

step "set update: the x509 set's key and certificate rotated; the engine signs with the new key"
file_cert ca dev2
cat >x509b.json <<EOF
{"type":"x509","description":"rotated","credentials":{"key":$(json_str dev2.key),
 "cert":$(json_str dev2.crt),"ca":$(json_str ca.crt)}}
EOF
ct set show set-x509 --json >before.json
sleep 1 # so that updateDateTime moves
ct set update set-x509 --from x509b.json --pin-file user.pin >/dev/null
ct set show set-x509 --json >after.json
/usr/bin/python3 - before.json after.json <<'PY'
import json, sys
b, a = (json.load(open(f)) for f in sys.argv[1:3])
assert a["createDateTime"] == b["createDateTime"], (a, b)
assert a["updateDateTime"] > b["updateDateTime"], (a, b)
assert a["description"] == "rotated" and a["type"] == "x509", a
PY
engine_signs set-x509 dev2.crt sig2.bin
if openssl pkeyutl -verify -pubin -inkey <(openssl x509 -in dev.crt -pubkey -noout) \
  -in <(openssl dgst -sha256 -binary msg.txt) -sigfile sig2.bin >/dev/null 2>&1; then
  fail "the rotated set still signs with the old key"
fi

step "set update: an IoT Hub key rotated; the SAS is openssl's from the new raw key"
cat >hub2.json <<'EOF'
{"type":"azureIoT-credentials","credentials":{"sharedAccessKeyName":"device","sharedAccessKey":"bmV3LXNlY3JldC1rZXk="}}
EOF
ct set update set-hub --from hub2.json --pin-file user.pin >/dev/null
ct azure-sas --set set-hub --resource "$URI" --expiry 1700000000 --pin-file user.pin >sas4.txt
sas_expect "$(printf 'new-secret-key' | od -An -tx1 | tr -d ' \n')" "$URI" 1700000000 device >want4.txt
diff sas4.txt want4.txt || fail "the SAS after the update differs from openssl's"

step "set show: the fields that are not secret, and only with the PIN"
ct set show set-aws --json >show0.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["credentials"] == {}, d' show0.json
ct set show set-aws --json --pin-file user.pin >show.json
python3 - show.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["credentialsId"] == "set-aws" and d["type"] == "aws-credentials", d
assert d["credentials"] == {"accessKeyId": "AKIAIOSFODNN7EXAMPLE"}, d["credentials"]
PY
if grep -q -- "$SECRET" show.json; then fail "set show shows the secret"; fi
ct set show set-sa --json --pin-file user.pin >showsa.json
expect_in "dev@proj.iam.gserviceaccount.com" showsa.json
if grep -q "PRIVATE KEY" showsa.json; then fail "set show shows the service account's key"; fi

step "jwt: RS256 signed in the token, verified by openssl with the public key"
ct jwt --set set-sa --aud https://oauth2.googleapis.com/token \
  --scope https://www.googleapis.com/auth/cloud-platform --pin-file user.pin >jwt.txt
python3 - jwt.txt <<'PY'
import base64, json, sys
h, c, s = open(sys.argv[1]).read().strip().split(".")
dec = lambda x: base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
hdr, claims = json.loads(dec(h)), json.loads(dec(c))
assert hdr == {"alg": "RS256", "typ": "JWT", "kid": "k1"}, hdr
assert claims["iss"] == "dev@proj.iam.gserviceaccount.com", claims
assert claims["aud"] == "https://oauth2.googleapis.com/token", claims
assert claims["scope"] == "https://www.googleapis.com/auth/cloud-platform", claims
assert claims["exp"] - claims["iat"] == 3600, claims
PY
openssl pkey -in rsa.key -pubout -out rsa.pub
jwt_verify jwt.txt rsa.pub

step "aws-sigv4: AWS's published example (get-vanilla)"
sigv4_vanilla aws-suite
expect_in "x-amz-date: 20150830T123600Z" s4.txt

step "aws-sigv4: identical to curl --aws-sigv4 given the raw key, for the same request"
port=$(free_port)
python3 "$here/capture.py" "$port" >cap.txt &
PIDS+=($!)
wait_port "$port"
printf '{"item": 42}' >body.bin
URL="http://127.0.0.1:$port/prod/items?a=2&b=1"
curl -s -o /dev/null --aws-sigv4 "aws:amz:eu-west-1:execute-api" \
  --user "AKIAIOSFODNN7EXAMPLE:$SECRET" -X POST --data-binary @body.bin \
  -H "X-Custom: hello " "$URL"
sleep 0.2
curl_auth=$(grep -i '^Authorization:' cap.txt | head -1 | tr -d '\r' | sed 's/^[Aa]uthorization: //')
curl_date=$(grep -i '^X-Amz-Date:' cap.txt | head -1 | tr -d '\r' | sed 's/^[^:]*: //')
[ -n "$curl_auth" ] && [ -n "$curl_date" ] || { cat cap.txt; fail "curl sent no SigV4 headers"; }
ct aws-sigv4 --set set-aws --method POST --url "$URL" --header "X-Custom: hello " \
  --payload body.bin --region eu-west-1 --service execute-api --date "$curl_date" \
  --pin-file user.pin >ours.txt
ours=$(sed -n 's/^Authorization: //p' ours.txt)
[ "$ours" = "$curl_auth" ] || { echo "curl: $curl_auth"; echo "ours: $ours"; fail "SigV4 differs from curl's"; }

step "bad input: one error line, exit 1, no set left behind"
check_err() { # check_err STATUS PATTERN command...
  local want=$1 pat=$2; shift 2
  set +e; "$@" >out.txt 2>err.txt; local got=$?; set -e
  [ "$got" -eq "$want" ] || { cat out.txt err.txt; fail "$* exited $got, wanted $want"; }
  [ "$(grep -vc 'warning' err.txt)" -eq 1 ] || { cat err.txt; fail "$*: not one error line"; }
  grep -q -- "$pat" err.txt || { cat err.txt; fail "$*: no '$pat' in the error"; }
}
before=$(nsets)
printf '{"type":"psk","credentials":{"key":"k"}' >trunc.json
check_err 1 "malformed JSON" create bad1 trunc.json
printf '{"type":"ssh","credentials":{}}' >type.json
check_err 1 "unknown type" create bad2 type.json
printf '{"type":"aws-credentials","credentials":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE"}}' >miss.json
check_err 1 'missing field "secretAccessKey"' create bad3 miss.json
printf '{"type":"psk","credentials":{"key":"k","salt":"s"}}' >extra.json
check_err 1 'unexpected field "salt"' create bad4 extra.json
cat >mismatch.json <<EOF
{"type":"x509","credentials":{"key":$(json_str ec.key),"cert":$(json_str dev.crt),"ca":$(json_str ca.crt)}}
EOF
check_err 1 "does not match the certificate" create bad5 mismatch.json
cat >chain.json <<EOF
{"type":"x509","credentials":{"key":$(json_str dev.key),"cert":$(json_str dev.crt),"ca":$(json_str other.crt)}}
EOF
check_err 1 "does not verify to the CA" create bad6 chain.json
check_err 1 "exists" create set-psk psk.json
check_err 2 "at most 32" create abcdefghijklmnopqrstuvwxyz0123456 psk.json
[ "$(nsets)" -eq "$before" ] || fail "a refused set was left behind"

step "set update and delete refused: one error line, nothing changed"
echo 87654321 >bad.pin
chmod 600 bad.pin
ct set show set-psk --json >psk0.json
check_err 1 "keeps the type" ct set update set-psk --from pubnub.json --pin-file user.pin
check_err 1 "malformed JSON" ct set update set-psk --from trunc.json --pin-file user.pin
check_err 1 "CKR_PIN_INCORRECT" ct set update set-psk --from psk.json --pin-file bad.pin
check_err 1 'no set "nope"' ct set update nope --from psk.json --pin-file user.pin
check_err 2 "does not apply" ct set update set-psk --from psk.json --so-pin-file so.pin
ct set show set-psk --json >psk1.json
diff psk0.json psk1.json || fail "a refused update changed the set"
check_err 1 "SO PIN is incorrect" ct set delete set-psk --so-pin-file bad.pin
check_err 1 'no set "nope"' ct set delete nope --so-pin-file so.pin
ct set show set-psk >/dev/null || fail "a refused delete removed the set"

step "an expired certificate: refused, accepted with --allow-expired, and the key signs"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout old.key \
  -out old.csr -subj "/CN=old" 2>/dev/null
: >index.txt
echo 1000 >serial
cat >ca.cnf <<'EOF'
[ca]
default_ca = d
[d]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = p
[p]
commonName = supplied
EOF
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in old.csr -out old.crt -notext \
  -startdate 20200101000000Z -enddate 20200102000000Z 2>/dev/null
cat >old.json <<EOF
{"type":"x509","credentials":{"key":$(json_str old.key),"cert":$(json_str old.crt),"ca":$(json_str ca.crt)}}
EOF
check_err 1 "expired (use --allow-expired" create set-old old.json
create set-old old.json --allow-expired >/dev/null
engine_signs set-old old.crt sig-old.bin
ct set delete set-old --so-pin-file so.pin >/dev/null

step "PINs: sets share the store's unless created with their own"
check_err 1 "SO PIN is not the store's" ct set create other-pins --from psk.json \
  --so-pin-file bad.pin --pin-file user.pin
printf '55555555\n' >own-so.pin
printf '5555\n' >own.pin
chmod 600 own-so.pin own.pin
ct set create own-pins --from psk.json --so-pin-file own-so.pin --pin-file own.pin --own-pins \
  >/dev/null
ct set show own-pins --pin-file own.pin >/dev/null || fail "the set's own PIN does not log in"
check_err 1 "CKR_PIN_INCORRECT" ct set show own-pins --pin-file user.pin
ct set delete own-pins --so-pin-file own-so.pin >/dev/null

step "set delete: the set is gone, the others stay, its ID is free again"
before=$(nsets)
ct set delete set-role --so-pin-file so.pin >/dev/null
[ "$(nsets)" -eq $((before - 1)) ] || fail "set delete did not remove one set"
check_err 1 'no set "set-role"' ct set show set-role
ct set show set-aws >/dev/null || fail "another set went with it"
create set-role role.json >/dev/null

step "SIGKILL during set create: each set is there whole or not at all"
for i in $(seq 1 30); do
  # The tool itself in the background (not a shell function): $! is its PID.
  "$CLI" --module "$MOD" set create "crash-$i" --from x509.json --so-pin-file so.pin \
    --pin-file user.pin >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '0.%03d' $((RANDOM % 40)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
/usr/bin/python3 - "$MOD" $PIN <<'PY'
import sys
import PyKCS11
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
whole = 0
for slot in lib.getSlotList(tokenPresent=True):
    label = lib.getTokenInfo(slot).label.strip()
    if not label.startswith("crash-"):
        continue
    s = lib.openSession(slot)
    s.login(sys.argv[2])
    classes = sorted(s.getAttributeValue(o, [PyKCS11.CKA_CLASS])[0] for o in s.findObjects()
                     if s.getAttributeValue(o, [PyKCS11.CKA_CLASS])[0] != PyKCS11.CKO_PROFILE)
    want = sorted([PyKCS11.CKO_PRIVATE_KEY, PyKCS11.CKO_PUBLIC_KEY, PyKCS11.CKO_CERTIFICATE,
                   PyKCS11.CKO_CERTIFICATE, PyKCS11.CKO_DATA])
    assert classes == want, (label, classes)
    whole += 1
print("crash: %d of 30 sets whole, the others absent" % whole)
PY

step "SIGKILL during set update: the set is the old version or the new, whole"
pubnub_v() {
  printf '{"type":"pubnub-credentials","description":"v%s","credentials":' "$1"
  printf '{"publishKey":"pub-c-%s","subscribeKey":"sub-c-%s"}}' "$1" "$1"
}
pubnub_v 0 >pv.json
create crash-upd pv.json >/dev/null
for i in $(seq 1 30); do
  pubnub_v "$i" >pv.json
  "$CLI" --module "$MOD" set update crash-upd --from pv.json --pin-file user.pin >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '0.%03d' $((RANDOM % 40)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  ct set show crash-upd --json --pin-file user.pin >cu.json
  /usr/bin/python3 - cu.json "$i" <<'PY' >>versions.txt || fail "set update killed: the set is not whole"
import json, sys
d, i = json.load(open(sys.argv[1])), int(sys.argv[2])
v = int(d["description"][1:])
assert v in range(0, i + 1), d
assert d["credentials"] == {"publishKey": "pub-c-%d" % v, "subscribeKey": "sub-c-%d" % v}, d
print(v)
PY
done
echo "update: whole after each of 30 kills; $(sort -u versions.txt | wc -l) distinct versions seen"

step "SIGKILL during set delete: each set is there whole or gone"
for i in $(seq 1 15); do
  pubnub_v "$i" >pv.json
  create "crash-del-$i" pv.json >/dev/null
done
for i in $(seq 1 15); do
  "$CLI" --module "$MOD" set delete "crash-del-$i" --so-pin-file so.pin >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '0.%03d' $((RANDOM % 30)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
left=0
for i in $(seq 1 15); do
  ct set show "crash-del-$i" --json --pin-file user.pin >cd.json 2>/dev/null || continue
  /usr/bin/python3 - cd.json "$i" <<'PY' || fail "set delete killed: a set is left in part"
import json, sys
d, i = json.load(open(sys.argv[1])), int(sys.argv[2])
assert d["credentials"] == {"publishKey": "pub-c-%d" % i, "subscribeKey": "sub-c-%d" % i}, d
PY
  left=$((left + 1))
done
echo "delete: $left of 15 sets still whole, the others gone"

step "the set limit"
now=$(nsets)
printf 'max_sets = %s\n' "$now" >>"$CREDTOKEN_CONF"
check_err 1 "limit" create one-too-many psk.json
[ "$(nsets)" -eq "$now" ] || fail "a set beyond the limit was created"
echo "credsets: ok"
