# Real-time check of live mode when downstream stalls once: fps and steps before and after a stall of N seconds
# (a pad probe that sleeps), and the QoS messages. Usage: GST_PLUGIN_PATH=<dir of the release plugin>
# /usr/bin/python3 live-stall.py [stall seconds]. Not run by the tests.
import gi, time, sys, threading
gi.require_version('Gst', '1.0')
from gi.repository import Gst
Gst.init(None)
stall = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
p = Gst.parse_launch('happyhorsesrc is-live=true seed=3 ! identity name=gate ! fakesink name=sink sync=true signal-handoffs=true')
frames = []
p.get_by_name('sink').connect('handoff', lambda s, b, pad: frames.append((time.monotonic(), b.pts)))
state = {'stall_at': None, 'done': False}
def probe(pad, info):
    if state['stall_at'] is not None and not state['done'] and time.monotonic() >= state['stall_at']:
        state['done'] = True
        time.sleep(stall)        # downstream stalls: nothing flows for `stall` seconds
    return Gst.PadProbeReturn.OK
p.get_by_name('gate').get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, probe)
bus = p.get_bus(); msgs = []
def drain():
    while True:
        m = bus.pop()
        if m is None: return
        if m.type == Gst.MessageType.ELEMENT and m.get_structure().get_name() in ('happyhorsesrc-qos', 'happyhorsesrc-chunk'):
            s = m.get_structure()
            msgs.append((time.monotonic(), s.get_name(), s.get_value('action') if s.has_field('action') else ('%.3f' % s.get_value('seconds')), s.get_value('steps')))
def run(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end: drain(); time.sleep(0.05)
t0 = time.monotonic(); p.set_state(Gst.State.PLAYING)
state['stall_at'] = t0 + 8; run(8 + stall + 16)
p.set_state(Gst.State.NULL)
te = t0 + 8 + stall
def fps(a, b): return sum(1 for t, _ in frames if a <= t < b) / (b - a)
print('fps before the stall (4-8 s): %.1f' % fps(t0 + 4, t0 + 8))
print('fps from 4 to 12 s after the stall: %.1f' % fps(te + 4, te + 12))
print('chunks (steps, seconds) from 4 s after the stall:', [(s, a) for t, n, a, s in msgs if n == 'happyhorsesrc-chunk' and t > te + 4][:8])
print('chunks before the stall:', [(s, a) for t, n, a, s in msgs if n == 'happyhorsesrc-chunk' and t < t0 + 8][-4:])
for t, n, a, s in msgs:
    if n == 'happyhorsesrc-qos': print('%.2f %s steps=%s' % (t - te, a, s))
