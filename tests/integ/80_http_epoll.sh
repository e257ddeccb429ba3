#!/bin/bash
# HTTP/1.1 through examples/helloworld_epoll on net_af_packet: curl
# keep-alive and Connection: close, hashes, request-parsing cases.
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/helloworld_epoll
. "$HERE/http_basic_common.sh"
