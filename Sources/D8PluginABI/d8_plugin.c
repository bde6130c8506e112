/*
 * SwiftPM builds a C target only from a source file; this one also checks that the plugin ABI
 * header compiles on its own, with nothing included before it. It defines no symbol, so the
 * plugins and the worker that link this target carry nothing but the header's types.
 */
#include "d8_plugin.h"
