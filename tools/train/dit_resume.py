"""What a train.dit state.pt records about its experiment arms, and the check that a resume keeps them."""


def arm_settings(args) -> dict:
    """The arm settings a state.pt records (beside the weights, the optimiser and the direction probe)."""
    return {"swap_weight": args.swap_weight, "swap_factors": args.swap_factors,
            "noise_correlation": args.noise_correlation,
            "teacher": args.teacher,
            "guide": args.guide, "guide_scale": args.guide_scale if args.guide else None,
            "guide_threshold": args.guide_threshold if args.guide else 0.0}


def _command_config(args) -> dict:
    """The run config a resume must keep, as this command gives it."""
    return {"probe": bool(args.direction_weight), "swap_weight": bool(args.swap_weight),
            "swap_factors": args.swap_factors, "noise_correlation": args.noise_correlation,
            "guide_threshold": args.guide_threshold if args.guide else 0.0,
            "guide": (args.guide, args.guide_scale if args.guide else None)}


def _saved_config(st: dict) -> dict:
    """The same config as a state.pt records it (a state written before a setting existed reads as its default)."""
    return {"probe": st.get("probe") is not None, "swap_weight": bool(st.get("swap_weight", 0.0)),
            "swap_factors": st.get("swap_factors"), "noise_correlation": st.get("noise_correlation", 0.0),
            "guide_threshold": st.get("guide_threshold", 0.0),
            "guide": (st.get("guide"), st.get("guide_scale"))}


# Saved values that any command may resume: not recorded yet (swap factors), or no guide recorded.
ANY_COMMAND = {"swap_factors": None, "guide": (None, None)}

# Per setting: what the state was saved with (from its saved value), what a resume must keep the same, more advice.
MISMATCH = {
    "probe": (lambda saved: f"{'with' if saved else 'without'} a direction probe",
              "--direction-weight setting (0 or not)", ""),
    "swap_weight": (lambda saved: f"{'with' if saved else 'without'} --swap-weight (its log has other columns)",
                    "setting (0 or not)", ""),
    "swap_factors": (lambda saved: f"with --swap-factors {','.join(saved)}", "factors", ""),
    "noise_correlation": (lambda saved: f"with --noise-correlation {saved}", "value", " (e.g. --init from its export)"),
    "guide_threshold": (lambda saved: f"with --guide-threshold {saved}", "value", ""),
    "guide": (lambda saved: f"with --guide {saved[0]} --guide-scale {saved[1]}", "autoguidance", ""),
}


def check_resumable(st: dict, args, path: str) -> None:
    """Exits with a message when this command's arms differ from the ones the state at `path` was trained with."""
    saved, command = _saved_config(st), _command_config(args)
    for key, (saved_with, keep, advice) in MISMATCH.items():
        if saved[key] != command[key] and not (key in ANY_COMMAND and saved[key] == ANY_COMMAND[key]):
            raise SystemExit(f"{path}: saved {saved_with(saved[key])}; resume it with the same {keep}, or start a new "
                             f"--run{advice}")
