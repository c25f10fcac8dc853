#!/usr/bin/env bash
# End-to-end test of sak behind a real Postfix (issue 10).
#
# It runs a THROWAWAY Postfix instance of its own — config, queue and data
# directories under a mktemp directory, started with `postfix -c DIR` and
# listening on 127.0.0.1 high ports only — in front of `sak serve` on a
# temporary SQLite database, and checks the round trip:
#
#   1. a requestor's mail submitted to Postfix reaches sak over LMTP and
#      becomes a ticket;
#   2. sak's auto-reply goes out through Postfix (sak serve --relay) and
#      lands in the requestor's mailbox;
#   3. a caseworker's reply with [resolve], through Postfix, resolves the
#      ticket and its text reaches the requestor;
#   4. a forged caseworker mail (wrong port, forged Authentication-Results)
#      runs no command, neither through Postfix nor straight to sak's
#      loopback SMTP port (no relay is trusted by default);
#   5. the pipe transport to `sak mailgate` works too;
#   6. mail to an unknown queue address is refused by sak at RCPT and
#      Postfix bounces it to the sender;
#   7. `sak db check` and the /readyz and /metrics endpoints agree;
#   9. a caseworker's answer to an address that fails after Postfix took
#      it bounces: the DSN comes back to the answer's signed return path
#      (support+b<outbox id>-TOKEN@example.org) and is recorded on the
#      ticket as a bounce of that recipient, the outbox row failed.
#
# Sender authentication: Postfix adds nothing by itself, and sak has no way
# to be told a fake DNS for DKIM keys. So the test does what a site with a
# milter (OpenDKIM, rspamd) does, with Postfix's own tools: caseworkers
# submit on a separate "staff" port whose cleanup service PREPENDs
#   Authentication-Results: e2e.test; dmarc=pass header.from=staff.test
# and every cleanup first strips any Authentication-Results claiming to be
# from e2e.test. sak runs with --trusted-authserv e2e.test and takes mail
# from Postfix over LMTP on a UNIX socket (mode 0660, group postfix), the
# only way its headers are trusted. The staff port here trusts whoever
# connects to it, which is fine on loopback in a test and nowhere else:
# in production that port requires SASL AUTH and the header comes from a
# DKIM/DMARC verifier (see contrib/README.md).
#
# Needs root (Postfix's master runs as root; sak and the pipe run as
# nobody), Debian's postfix (installed if missing) and python3. It never
# reads or writes /etc/postfix beyond the read-only postfix-files that
# `postfix check` consults, and never touches a running system Postfix.
#
# Environment: SAK_BIN (default bin/sak), E2E_TIMEOUT (seconds per poll,
# default 30), E2E_KEEP=1 keeps the temporary directory for a post-mortem
# (Postfix and sak are stopped all the same).
#
# Output: one PASS/FAIL line per check and, last, "N passed, M failed".
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SAK_SRC=${SAK_BIN:-$ROOT/bin/sak}
TIMEOUT=${E2E_TIMEOUT:-30} # seconds each poll waits

pass=0
fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
die() {
	echo "FAIL setup: $*"
	fail=$((fail + 1))
	exit 1
}

if [ "$(id -u)" != 0 ]; then
	echo "FAIL setup: e2e.sh runs a Postfix master and needs root"
	echo "0 passed, 1 failed"
	exit 1
fi

# --- Postfix and python3 -------------------------------------------------
if ! command -v postfix >/dev/null 2>&1 && [ ! -x /usr/sbin/postfix ]; then
	echo "== installing postfix (Debian package, no configuration)"
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
if ! command -v python3 >/dev/null 2>&1; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-minimal >/dev/null
fi
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
if [ ! -x "$SAK_SRC" ]; then
	echo "== building sak"
	go build -o "$ROOT/bin/sak" ./cmd/sak
	SAK_SRC=$ROOT/bin/sak
fi

# --- the temporary world -------------------------------------------------
T=$(mktemp -d /tmp/sak-e2e.XXXXXX)
chmod 755 "$T"
PF=$T/postfix # config_directory
SAK_PID=
PF_STARTED=

cleanup() {
	local rc=$?
	set +e
	if [ "$rc" != 0 ] && [ "$fail" = 0 ]; then
		echo "FAIL setup: a step failed (exit status $rc)"
		fail=1
	fi
	if [ -n "$SAK_PID" ] && kill -0 "$SAK_PID" 2>/dev/null; then
		kill -TERM "$SAK_PID"
		for _ in $(seq 1 100); do kill -0 "$SAK_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SAK_PID" 2>/dev/null
		wait "$SAK_PID" 2>/dev/null
	fi
	if [ -n "$PF_STARTED" ]; then
		postfix -c "$PF" stop >/dev/null 2>&1
		# postfix stop returns before the master has gone; wait for it.
		for _ in $(seq 1 100); do
			[ -f "$T/spool/pid/master.pid" ] || break
			pid=$(tr -d ' ' <"$T/spool/pid/master.pid" 2>/dev/null)
			[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		pid=$(tr -d ' ' <"$T/spool/pid/master.pid" 2>/dev/null)
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && postfix -c "$PF" abort >/dev/null 2>&1
	fi
	if [ "$fail" != 0 ] || [ "$rc" != 0 ]; then
		echo "---- postfix log (last 40 lines)"
		tail -n 40 "$T/maillog" 2>/dev/null
		echo "---- sak serve log (last 40 lines)"
		tail -n 40 "$T/sak.log" 2>/dev/null
	fi
	[ -n "${E2E_KEEP:-}" ] || rm -rf "$T"
	echo "$pass passed, $fail failed"
	if [ "$fail" != 0 ]; then exit 1; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Free loopback ports for Postfix (public, staff), sak's SMTP and metrics.
read -r PF_PORT STAFF_PORT SAK_SMTP_PORT METRICS_PORT < <(python3 - <<'EOF'
import socket
socks = []
for _ in range(4):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)

# sak runs as nobody: the pipe transport may not run as root, and it and
# sak serve share the SQLite file.
RUN_UID=$(id -u nobody)
RUN_GID=$(id -g nobody)
PF_GID=$(getent group postfix | cut -d: -f3)
mkdir -p "$PF" "$T/spool" "$T/mail" "$T/sak" "$T/bin" "$T/run"
install -m 0755 "$SAK_SRC" "$T/bin/sak"
chown "$RUN_UID:$RUN_GID" "$T/mail" "$T/sak" "$T/run"
SOCK=$T/run/lmtp
BIN=$T/bin/sak
DB=$T/sak/sak.db
sak() {
	setpriv --reuid="$RUN_UID" --regid="$RUN_GID" --clear-groups -- \
		env SAK_DB="$DB" SAK_USER=root HOME="$T/sak" "$BIN" "$@"
}

# --- Postfix configuration -----------------------------------------------
cat >"$PF/main.cf" <<EOF
# Throwaway instance for sak's e2e test; see scripts/e2e.sh.
compatibility_level = 3.6
queue_directory = $T/spool
data_directory = $T/data
mail_owner = postfix
setgid_group = postdrop
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C
maillog_file = $T/maillog
maillog_file_prefixes = $T
syslog_name = sak-e2e

myhostname = mx.e2e.test
mydomain = e2e.test
myorigin = \$myhostname
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtp_dns_support_level = disabled
biff = no
append_dot_mydomain = no
alias_maps =
alias_database =
smtputf8_enable = no

# The queue domains go to sak: example.org over LMTP, pipe.example.org
# through the pipe transport to 'sak mailgate'.
relay_domains = example.org, pipe.example.org, gone.test
transport_maps = texthash:$PF/transport
# support+b12-TOKEN@example.org (sak's return paths, reply addresses)
# matches a per-address entry for support@example.org only with this;
# the domain-wide entries here match it anyway.
recipient_delimiter = +
sakpipe_destination_recipient_limit = 1

# The requestors' and caseworkers' mailboxes: maildirs under $T/mail.
virtual_mailbox_domains = requestor.test, staff.test
virtual_mailbox_base = $T/mail
virtual_mailbox_maps = texthash:$PF/vmailbox
virtual_uid_maps = static:$RUN_UID
virtual_gid_maps = static:$RUN_GID

# Nobody outside may claim to be our authserv-id.
header_checks = regexp:$PF/header_checks

# Retry soon: the test must not wait minutes for a deferred mail.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
lmtp_connect_timeout = 5s
delay_warning_time = 0
EOF

cat >"$PF/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$PF_PORT inet n - n - - smtpd
127.0.0.1:$STAFF_PORT inet n - n - - smtpd
  -o syslog_name=sak-e2e/staff
  -o cleanup_service_name=staffcleanup
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
staffcleanup unix n     -       n       -       0       cleanup
  -o header_checks=regexp:$PF/staff_header_checks
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
sakpipe   unix  -       n       n       -       -       pipe
  flags=Rq user=nobody argv=$BIN mailgate --db $DB --recipient \${recipient} --sender \${sender} --trusted-authserv e2e.test
EOF

cat >"$PF/transport" <<EOF
example.org       lmtp:unix:$SOCK
pipe.example.org  sakpipe:
gone.test         lmtp:unix:$SOCK
EOF

cat >"$PF/vmailbox" <<EOF
pat@requestor.test    pat/
kim@requestor.test    kim/
alice@staff.test      alice/
root@staff.test       root/
EOF

cat >"$PF/header_checks" <<'EOF'
/^Authentication-Results:[[:space:]]*e2e\.test([[:space:];]|$)/ IGNORE
EOF
cat >"$PF/staff_header_checks" <<'EOF'
/^Authentication-Results:[[:space:]]*e2e\.test([[:space:];]|$)/ IGNORE
/^From:.*@(staff\.test)>?[[:space:]]*$/ PREPEND Authentication-Results: e2e.test; dmarc=pass header.from=$1
EOF

echo "== throwaway postfix in $T: smtp 127.0.0.1:$PF_PORT, staff 127.0.0.1:$STAFF_PORT; sak lmtp unix:$SOCK, smtp 127.0.0.1:$SAK_SMTP_PORT"
# Postfix writes its fatal errors to stderr only when that is a terminal
# (else to syslog, which a container may not have): give it one.
pfx() {
	if command -v script >/dev/null 2>&1; then
		script -qec "postfix -c $PF $*" /dev/null
	else
		postfix -c "$PF" "$@"
	fi
}
pfx check >"$T/postfix-check.log" 2>&1 || { cat "$T/postfix-check.log"; die "postfix check"; }
PF_STARTED=1
pfx start >"$T/postfix-start.log" 2>&1 || { cat "$T/postfix-start.log"; die "postfix start"; }

# --- sak ------------------------------------------------------------------
sak user add root --email root@staff.test --sysadmin >/dev/null 2>&1
sak user add alice --email alice@staff.test --name "Alice Liddell" >/dev/null
sak queue create support --address support@example.org >/dev/null
sak queue create helpdesk --address helpdesk@pipe.example.org --tag HD >/dev/null
sak queue grant support alice --role caseworker >/dev/null
sak queue grant helpdesk alice --role caseworker >/dev/null

# sak serve is in group postfix only to give its socket that group.
setpriv --reuid="$RUN_UID" --regid="$RUN_GID" --groups="$PF_GID" -- \
	env SAK_DB="$DB" HOME="$T/sak" "$BIN" serve \
	--lmtp "unix:$SOCK" --socket-group postfix \
	--smtp "127.0.0.1:$SAK_SMTP_PORT" --hostname sak.e2e.test \
	--relay "127.0.0.1:$PF_PORT" \
	--trusted-authserv e2e.test \
	--metrics "127.0.0.1:$METRICS_PORT" --shutdown-timeout 5s \
	>"$T/sak.log" 2>&1 &
SAK_PID=$!

# --- helpers ----------------------------------------------------------------
# poll CMD...: run CMD every 0.2 s until it succeeds or TIMEOUT runs out.
poll() {
	local end=$((SECONDS + TIMEOUT))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# http PATH [status]: GET http://metrics/PATH; print the body, or with
# "status" only the status code (0 when nothing answers).
http() {
	python3 - "http://127.0.0.1:$METRICS_PORT$1" "${2:-body}" <<'EOF'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        body, code = r.read().decode(), r.status
except urllib.error.HTTPError as e:
    body, code = e.read().decode(), e.code
except OSError:
    body, code = "", 0
print(code if sys.argv[2] == "status" else body)
EOF
}

# send PORT FROM TO SUBJECT BODY [HEADER...]: submit one mail over SMTP.
send() {
	python3 - "$@" <<'EOF'
import sys, smtplib, email.utils
port, frm, to, subject, body = sys.argv[1:6]
extra = sys.argv[6:]
msg = "".join(h + "\r\n" for h in extra)
msg += ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n") % (
    frm, to, subject, email.utils.formatdate(), email.utils.make_msgid(domain=frm.split("@")[1]), body)
with smtplib.SMTP("127.0.0.1", int(port), timeout=20) as s:
    s.sendmail(frm, [to], msg.encode())
EOF
}

# mailbox_has USER PATTERN...: some mail in USER's maildir matches every
# (fixed-string) PATTERN.
mailbox_has() {
	local user=$1
	shift
	local f p hit
	for f in "$T/mail/$user"/new/* "$T/mail/$user"/cur/*; do
		[ -f "$f" ] || continue
		hit=1
		for p in "$@"; do grep -qF -- "$p" "$f" || { hit=; break; }; done
		[ -n "$hit" ] && return 0
	done
	return 1
}

# ticket_field ID FIELD: a field of 'sak ticket show ID -o json'.
ticket_field() {
	sak ticket show "$1" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}

# ticket_by_subject TEXT: the id of the ticket whose subject holds TEXT.
ticket_by_subject() {
	sak ticket list -o json | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if sys.argv[1] in t["subject"]:
        print(t["id"]); sys.exit(0)
sys.exit(1)' "$1"
}

ready() { [ "$(http /readyz status)" = 200 ]; }
poll ready || die "sak serve did not become ready on 127.0.0.1:$METRICS_PORT"
poll test -S "$SOCK" || die "sak serve made no socket $SOCK"
if [ "$(stat -c '%a %G' "$SOCK")" = "660 postfix" ] && ! grep -q loopback "$T/sak.log"; then
	ok "sak's LMTP socket has mode 0660 and group postfix; no trusted loopback relay"
else
	bad "sak's LMTP socket: $(stat -c '%a %U:%G' "$SOCK"); $(grep loopback "$T/sak.log")"
fi
poll python3 -c "import socket; socket.create_connection(('127.0.0.1', $PF_PORT), 2).close()" ||
	die "postfix does not listen on 127.0.0.1:$PF_PORT"

# Nothing of this instance listens anywhere but loopback.
if python3 - "$PF_PORT" "$STAFF_PORT" <<'EOF'
import sys
ports = {int(p) for p in sys.argv[1:]}
bad = []
for path in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(path).read().splitlines()[1:]
    except OSError:
        continue
    for l in lines:
        f = l.split()
        addr, port = f[1].split(":")
        if f[3] == "0A" and int(port, 16) in ports and addr not in ("0100007F", "00000000000000000000000001000000"):
            bad.append(f[1])
sys.exit(1 if bad else 0)
EOF
then ok "postfix listens on 127.0.0.1 only (ports $PF_PORT, $STAFF_PORT)"; else bad "postfix listens beyond loopback"; fi

TOKEN=e2e-$$-$RANDOM

# 1. requestor → Postfix → LMTP → ticket
send "$PF_PORT" pat@requestor.test support@example.org "Printer on fire $TOKEN" "It burns. $TOKEN"
if poll ticket_by_subject "$TOKEN"; then
	ID=$(ticket_by_subject "$TOKEN")
	ok "1 requestor mail through Postfix and LMTP became ticket $ID"
else
	ID=0
	bad "1 requestor mail did not become a ticket within ${TIMEOUT}s"
fi

# 2. the auto-reply goes out through Postfix to the requestor's mailbox
if poll mailbox_has pat "[support #$ID]" "Auto-Submitted: auto-replied"; then
	ok "2 auto-reply for ticket $ID arrived in pat@requestor.test's mailbox through Postfix"
else
	bad "2 no auto-reply for ticket $ID in pat@requestor.test's mailbox"
fi

# 4. (before 3, while the ticket is open) a forged caseworker mail: sent to
# the public port with a forged Authentication-Results header, which
# Postfix strips. sak keeps it as an unverified note and runs nothing.
FORGED="Forged-$TOKEN"
send "$PF_PORT" alice@staff.test support@example.org "Re: [support #$ID] Printer on fire [resolve]" "$FORGED" \
	"Authentication-Results: e2e.test; dmarc=pass header.from=staff.test"
forged_stored() { sak ticket show "$ID" -o json | grep -qF "$FORGED"; }
if poll forged_stored && [ "$(ticket_field "$ID" status)" != resolved ] &&
	sak ticket show "$ID" -o json | grep -q unverified; then
	ok "4 forged caseworker mail (forged Authentication-Results stripped by Postfix) kept as an unverified note; ticket $ID not resolved"
else
	bad "4 forged caseworker mail: stored=$(forged_stored && echo yes || echo no) status=$(ticket_field "$ID" status)"
fi

# 4c. the same forgery straight to sak's own SMTP port on loopback: any
# local user can connect there, so its Authentication-Results count for
# nothing.
LOCAL="Local-$TOKEN"
send "$SAK_SMTP_PORT" alice@staff.test support@example.org "Re: [support #$ID] Printer on fire [resolve]" "$LOCAL" \
	"Authentication-Results: e2e.test; dmarc=pass header.from=staff.test"
local_stored() { sak ticket show "$ID" -o json | grep -qF "$LOCAL"; }
if poll local_stored && [ "$(ticket_field "$ID" status)" != resolved ] && grep -q "auth_reason=.*not from a trusted relay" "$T/sak.log"; then
	ok "4c forged Authentication-Results over loopback SMTP to sak ignored (no trusted relay by default); reason logged"
else
	bad "4c forgery over loopback: stored=$(local_stored && echo yes || echo no) status=$(ticket_field "$ID" status)"
fi

# 3. the caseworker replies through the staff port with [resolve]
REPLY="Unplug it, we are on our way. $TOKEN"
send "$STAFF_PORT" "Alice Liddell <alice@staff.test>" support@example.org "Re: [support #$ID] Printer on fire [resolve]" "$REPLY"
resolved() { [ "$(ticket_field "$ID" status)" = resolved ]; }
if poll resolved && poll mailbox_has pat "$REPLY" "[support #$ID]"; then
	ok "3 caseworker reply with [resolve] through Postfix resolved ticket $ID and reached the requestor"
else
	bad "3 caseworker reply: status $(ticket_field "$ID" status); reply in pat's mailbox: $(mailbox_has pat "$REPLY" && echo yes || echo no)"
fi
if mailbox_has pat "$FORGED"; then
	bad "4b the forged mail's text reached the requestor"
else
	ok "4b the forged mail's text did not reach the requestor"
fi

# 5. the pipe transport to 'sak mailgate'
send "$PF_PORT" kim@requestor.test helpdesk@pipe.example.org "VPN down $TOKEN" "No VPN. $TOKEN"
if poll ticket_by_subject "VPN down $TOKEN"; then
	PID5=$(ticket_by_subject "VPN down $TOKEN")
	q=$(ticket_field "$PID5" queue)
	if [ "$q" = helpdesk ] && poll mailbox_has kim "[HD #$PID5]"; then
		ok "5 pipe transport: mail to helpdesk@pipe.example.org became ticket $PID5 via 'sak mailgate'; auto-reply arrived"
	else
		bad "5 pipe transport: ticket $PID5 in queue $q, auto-reply $(mailbox_has kim "[HD #$PID5]" && echo yes || echo no)"
	fi
else
	bad "5 pipe transport: no ticket within ${TIMEOUT}s"
fi

# 6. unknown queue: sak answers 550 5.1.1 at RCPT, Postfix bounces to pat
send "$PF_PORT" pat@requestor.test nosuch@example.org "Lost $TOKEN" "Anyone there?"
if poll mailbox_has pat "nosuch@example.org" "5.1.1" "Lost $TOKEN" && grep -q "to=<nosuch@example.org>.*status=bounced" "$T/maillog"; then
	ok "6 mail to unknown nosuch@example.org refused by sak at RCPT (550 5.1.1), bounce arrived in pat's mailbox"
else
	bad "6 no bounce for nosuch@example.org"
fi

# 7. operations: db check, /readyz, /metrics
if sak db check >"$T/check.out" 2>&1; then
	ok "7 sak db check: $(grep -E '^(Schema|Integrity|Outbox)' "$T/check.out" | tr -s ' ' | paste -sd ';' -)"
else
	bad "7 sak db check: $(cat "$T/check.out")"
fi
metrics=$(http /metrics)
if [ "$(http /healthz status)" = 200 ] && ready &&
	grep -qE '^sak_mail_received_total\{outcome="create"\} [1-9]' <<<"$metrics" &&
	grep -qE '^sak_mail_received_total\{outcome="rejected"\} [1-9]' <<<"$metrics" &&
	grep -qE '^sak_outbound_sends_total\{result="sent"\} [1-9]' <<<"$metrics"; then
	ok "8 /healthz and /readyz 200; /metrics counted creates, rejects and sends"
else
	bad "8 metrics: $(grep -E '^sak_(mail_received|outbound_sends)_total' <<<"$metrics" | paste -sd ' ' -)"
fi

# 9. a bounce comes back to the signed return path: Postfix takes the
# answer to ghost@gone.test and hands it to sak's LMTP (the transport
# map's stand-in for a remote server that knows no ghost), which refuses
# it with 550; Postfix's DSN goes to the answer's return path, which
# routes to sak over LMTP too.
if sak ticket create --queue support --requestor ghost@gone.test --subject "Ghost $TOKEN" -m "Boo." --as alice >/dev/null &&
	GID=$(ticket_by_subject "Ghost $TOKEN") && sak ticket reply "$GID" -m "Are you there? $TOKEN" --as alice >/dev/null; then
	bounced() {
		sak ticket show "$GID" -o json | python3 -c '
import json, sys
sys.exit(0 if any(x["type"] == "bounce" and x.get("note", "").startswith("ghost@gone.test: failed") for x in json.load(sys.stdin)["transactions"]) else 1)'
	}
	row_failed() {
		sak outbox list --ticket "$GID" -o json | python3 -c '
import json, sys
sys.exit(0 if any(r["kind"] == "correspond" and r["status"] == "failed" for r in json.load(sys.stdin)) else 1)'
	}
	if poll bounced && row_failed && grep -qE "from=<support\+b[0-9]+-[a-z2-7]{12}@example.org>" "$T/maillog"; then
		ok "9 the answer to ghost@gone.test bounced to its signed return path; ticket $GID records the bounce, the outbox row failed"
	else
		bad "9 bounce of ticket $GID: recorded $(bounced && echo yes || echo no), row failed $(row_failed && echo yes || echo no)"
	fi
else
	bad "9 could not create and answer the ghost ticket"
fi
