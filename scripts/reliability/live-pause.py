# Real-time check of live mode across a pause: fps before and after PAUSED->PLAYING, and the QoS and chunk
# messages around it. Usage: GST_PLUGIN_PATH=<dir of the release plugin> /usr/bin/python3 live-pause.py [pause seconds]
# (Debian python3-gi; the plugin as scripts/render.sh builds it). Not run by the tests.
import gi, time, sys
gi.require_version('Gst', '1.0')
from gi.repository import Gst
Gst.init(None)
pause = float(sys.argv[1]) if len(sys.argv) > 1 else 0.01
p = Gst.parse_launch('happyhorsesrc is-live=true seed=3 ! fakesink name=sink sync=true signal-handoffs=true')
frames = []
p.get_by_name('sink').connect('handoff', lambda s, b, pad: frames.append((time.monotonic(), b.pts)))
bus = p.get_bus()
msgs = []
def drain():
    while True:
        m = bus.pop()
        if m is None: return
        if m.type == Gst.MessageType.ELEMENT and m.get_structure().get_name() in ('happyhorsesrc-qos', 'happyhorsesrc-chunk'):
            s = m.get_structure()
            msgs.append((time.monotonic(), s.get_name(), s.get_value('action') if s.has_field('action') else '', s.get_value('steps')))
        if m.type == Gst.MessageType.ERROR: print('ERROR', m.parse_error()); sys.exit(1)
def run(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        drain(); time.sleep(0.05)
t0 = time.monotonic()
p.set_state(Gst.State.PLAYING); run(8)
tp = time.monotonic(); p.set_state(Gst.State.PAUSED); time.sleep(pause); p.set_state(Gst.State.PLAYING)
run(10)
p.set_state(Gst.State.NULL)
def fps(a, b): return sum(1 for t, _ in frames if a <= t < b) / (b - a)
print('fps before pause (4-8 s): %.1f' % fps(t0 + 4, tp))
print('fps after pause (+2..+10 s): %.1f' % fps(tp + 2, tp + 10))
for t, name, action, steps in msgs:
    if name == 'happyhorsesrc-qos' or (t > tp - 1 and t < tp + 4):
        print('%.2f %s %s steps=%s' % (t - tp, name, action, steps))
