#!/bin/sh
# hang-stub.sh: stands in for packetdrill in the runner self-test (run.sh
# here): takes any arguments, ignores SIGTERM and never finishes, as a
# packetdrill stuck on a script would.  run.sh must kill it at PD_TIMEOUT
# and report the script as failed.
trap '' TERM
while :; do
	sleep 1
done
