#ifndef XENARM_CZMQ_SHIM_H
#define XENARM_CZMQ_SHIM_H
#include <zmq.h>
#endif
