# Real-time check of live mode across a disturbance: fps before and after it, the chunks' steps and seconds, and the
# QoS messages around it.
#   pause N: the pipeline goes PAUSED for N seconds, then PLAYING again;
#   stall N: downstream stalls once for N seconds (a pad probe after the source sleeps).
# Usage: GST_PLUGIN_PATH=<dir of the release plugin> /usr/bin/python3 live-recovery.py pause|stall [seconds]
# (Debian python3-gi; the plugin as scripts/render.sh builds it). Not run by the tests; figures in docs/live.md.
import sys
import time

import gi

gi.require_version('Gst', '1.0')
from gi.repository import Gst

Gst.init(None)
mode = sys.argv[1] if len(sys.argv) > 1 else 'pause'
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else (0.01 if mode == 'pause' else 3.0)
if mode not in ('pause', 'stall'):
    sys.exit('usage: live-recovery.py pause|stall [seconds]')

p = Gst.parse_launch('happyhorsesrc is-live=true seed=3 ! identity name=gate ! '
                     'fakesink name=sink sync=true signal-handoffs=true')
frames = []
p.get_by_name('sink').connect('handoff', lambda s, b, pad: frames.append(time.monotonic()))
stall = {'at': None, 'done': False}


def probe(pad, info):
    if stall['at'] is not None and not stall['done'] and time.monotonic() >= stall['at']:
        stall['done'] = True
        time.sleep(seconds)     # downstream takes nothing for `seconds`
    return Gst.PadProbeReturn.OK


if mode == 'stall':
    p.get_by_name('gate').get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, probe)
bus = p.get_bus()
messages = []                   # (time, name, action or chunk seconds, steps)


def drain():
    while (m := bus.pop()) is not None:
        if m.type == Gst.MessageType.ERROR:
            sys.exit('error: %s' % (m.parse_error(),))
        s = m.get_structure() if m.type == Gst.MessageType.ELEMENT else None
        if s is not None and s.get_name() in ('happyhorsesrc-qos', 'happyhorsesrc-chunk'):
            detail = s.get_value('action') if s.has_field('action') else '%.3f s' % s.get_value('seconds')
            messages.append((time.monotonic(), s.get_name(), detail, s.get_value('steps')))


def run(duration):
    end = time.monotonic() + duration
    while time.monotonic() < end:
        drain()
        time.sleep(0.05)


def fps(a, b):
    return sum(1 for t in frames if a <= t < b) / (b - a)


t0 = time.monotonic()
p.set_state(Gst.State.PLAYING)
if mode == 'stall':
    stall['at'] = t0 + 8
    run(8 + seconds + 12)
    resumed = t0 + 8 + seconds
else:
    run(8)
    p.set_state(Gst.State.PAUSED)
    time.sleep(seconds)
    p.set_state(Gst.State.PLAYING)
    resumed = time.monotonic()
    run(12)
p.set_state(Gst.State.NULL)
drain()
print('fps 4-8 s after the start: %.1f' % fps(t0 + 4, t0 + 8))
print('fps 2-10 s after the resume: %.1f (the first frames after it reach the sink one pipeline latency later)'
      % fps(resumed + 2, resumed + 10))
print('chunks from 4 s after the resume (steps, seconds):',
      [(steps, detail) for t, name, detail, steps in messages if name == 'happyhorsesrc-chunk' and t > resumed + 4][:8])
for t, name, detail, steps in messages:
    if name == 'happyhorsesrc-qos':
        print('%+.2f s from the resume: %s, steps %s' % (t - resumed, detail, steps))
