#!/bin/bash
# Threads mode, two stacks on net_af_packet (one queue pair: stack 0
# receives every frame and hands stack 1 its own through the software-RSS
# ring; stack 1 sends through stack 0's queue): UDP echo, 1,000 incoming
# and 1,000 outgoing TCP connections, every stack serving its share
# (tests/integ/multicore_common.sh).
TAG=fsm-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
. "$HERE/multicore_common.sh"
mc_prologue
FS_VDEV=$(fs_vdev af_packet)
mc_run
