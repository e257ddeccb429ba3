#!/bin/bash
# (c) 10,000 datagrams through examples/udp_echo (epoll), byte-identical.
. "$(dirname "$0")/lib.sh"
BIN=$BUILD/examples/udp_echo
. "$HERE/udp_echo_common.sh"
