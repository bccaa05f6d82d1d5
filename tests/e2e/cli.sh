#!/usr/bin/env bash
# The credtoken CLI: init, list as a table and as JSON, and one-line errors.
. "$(dirname "$0")/lib.sh"
use_cli

step "init creates a token with both PINs"
ct init --label cli-one --so-pin-file so.pin --pin-file user.pin >init.txt
expect_in 'initialized token "cli-one"' init.txt
$P11 --token-label cli-one --login --pin $PIN --keypairgen --key-type EC:prime256v1 \
  --label k1 --id 0a >/dev/null

step "list: table without login shows no private key"
ct list >table.txt
cat table.txt
expect_in "cli-one" table.txt
expect_in "public-key" table.txt
if grep -q "private-key" table.txt; then fail "private key listed without login"; fi

step "list --json with login is valid JSON and shows the private key"
ct list --json --pin-file user.pin >list.json
python3 - list.json <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
tok = [t for t in doc["tokens"] if t["label"] == "cli-one"][0]
classes = sorted(o["class"] for o in tok["objects"])
assert classes == ["private-key", "public-key"], classes
assert all(o["key_type"] == "EC" and o["id"] == "0a" for o in tok["objects"]), tok
assert "user-pin-set" in tok["flags"], tok["flags"]
assert sorted(tok["profiles"]) == ["authentication-token", "baseline-provider",
                                   "extended-provider", "public-certificates-token"], tok["profiles"]
print("json ok:", classes)
PY

step "the module is found through CREDTOKEN_MODULE"
CREDTOKEN_MODULE=$MOD "$CLI" list --json >env.json
expect_in '"label":"cli-one"' env.json

step "errors: one line, non-zero status"
check_err() { # check_err STATUS PATTERN command...
  local want=$1 pat=$2; shift 2
  set +e; "$@" >out.txt 2>err.txt; local got=$?; set -e
  [ "$got" -eq "$want" ] || { cat out.txt err.txt; fail "$* exited $got, wanted $want"; }
  [ "$(wc -l <err.txt)" -ge 1 ] || fail "$*: no error line"
  grep -q -- "$pat" err.txt || { cat err.txt; fail "$*: no '$pat' in the error"; }
}
check_err 1 "already" ct init --label cli-one --so-pin-file so.pin
check_err 2 "label" ct init --so-pin-file so.pin
check_err 2 "" ct frobnicate
check_err 1 "" "$CLI" --module /nonexistent/module.so list
printf 'x\n' >short.pin
check_err 1 "PIN" ct init --label cli-two --so-pin-file short.pin
check_err 1 "PIN" ct init --label cli-two </dev/null
echo "cli: ok"
