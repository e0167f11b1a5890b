#!/bin/sh
# Generate stackvisor(1) from the binary's own CLI definitions: help2man reads `--help` and
# `--version`, and a COMMANDS section gets each subcommand's `--help`, so the man page is
# always the CLI of the binary it ships with.
# Usage: scripts/make-man.sh BIN OUT.1
set -eu
bin=$1
out=$2
inc=$(mktemp)
trap 'rm -f "$inc"' EXIT
escape() { sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/'; }
{
  echo "[COMMANDS]"
  # The subcommand names: the first word of each line under "Subcommands:".
  for cmd in $("$bin" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'); do
    echo ".SS $cmd"
    echo ".nf"
    "$bin" "$cmd" --help | escape
    echo ".fi"
  done
  cat <<'TEXT'
[FILES]
.TP
.I compose.yaml, compose.override.yaml
The manifest, found in the current directory unless \fB\-f\fR names it.
.TP
.I /lib/systemd/system/stackvisor@.service
One stack per machine: \fBsystemctl enable \-\-now stackvisor@NAME\fR runs
\fI/srv/NAME/compose.yaml\fR.
[SEE ALSO]
.BR systemctl (1),
.BR systemd.service (5)
TEXT
} >"$inc"
help2man --no-info --no-discard-stderr --section=1 \
  --name="run a compose-style stack of native processes" \
  --include="$inc" --output="$out" "$bin"
