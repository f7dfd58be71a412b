#pragma once
#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
