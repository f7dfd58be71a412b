#!/usr/bin/python3
"""Steers a live happyhorsesrc from Python: the prompt changes every few seconds while PLAYING.

    /usr/bin/python3 examples/live-prompts.py [--seconds 12] [--every 3] [--output out.mp4]

Needs PyGObject (Debian: python3-gi gir1.2-gstreamer-1.0; scripts/setup.sh installs them) and the plugin on
GST_PLUGIN_PATH (examples/env.sh sets it; run through examples/live-prompts.sh). Each change applies at the next chunk;
the element says when with a `happyhorsesrc-settings-applied` message carrying the running time, printed here.
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

PROMPTS = [
    "a brown horse gallops across a green meadow",
    "a white horse trots on a beach",
    "a black horse walks in the snow",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=12)
    ap.add_argument("--every", type=float, default=3)
    ap.add_argument("--output", default="")
    ap.add_argument("--props", default="", help="extra happyhorsesrc properties, e.g. num-inference-steps=2")
    args = ap.parse_args()

    Gst.init(None)
    sink = (f"videoconvert ! video/x-raw,format=I420 ! x264enc tune=zerolatency speed-preset=ultrafast ! mp4mux ! filesink location={args.output}"
            if args.output else "fakesink sync=true")
    pipeline = Gst.parse_launch(f'happyhorsesrc name=src is-live=true prompt="{PROMPTS[0]}" {args.props} ! {sink}')
    src = pipeline.get_by_name("src")
    loop = GLib.MainLoop()
    state = {"next": 1, "applied": 0, "frames": 0}

    def change_prompt():
        prompt = PROMPTS[state["next"] % len(PROMPTS)]
        state["next"] += 1
        print(f"set prompt: {prompt!r}", flush=True)
        src.set_property("prompt", prompt)
        return True

    def stop():
        print("sending EOS", flush=True)
        pipeline.send_event(Gst.Event.new_eos())
        return False

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.ELEMENT and msg.get_structure() is not None:
            s = msg.get_structure()
            if s.get_name() == "happyhorsesrc-settings-applied":
                state["applied"] += 1
                rt = s.get_value("running-time") / Gst.SECOND
                print(f"applied at running time {rt:.3f} s (frame {s.get_value('frame')}): {s.get_value('prompt')!r}",
                      flush=True)
            elif s.get_name() == "happyhorsesrc-qos":
                print(f"QoS: {s.get_value('action')} -> {s.get_value('steps')} steps", flush=True)
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            print(f"error: {err.message} ({debug})", file=sys.stderr)
            state["error"] = True
            loop.quit()
        return True

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    pipeline.set_state(Gst.State.PLAYING)
    GLib.timeout_add(int(args.every * 1000), change_prompt)
    GLib.timeout_add(int(args.seconds * 1000), stop)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    print(f"{state['applied']} prompt change(s) applied")
    return 1 if state.get("error") or state["applied"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
