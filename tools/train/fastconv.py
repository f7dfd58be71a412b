"""Training-time speed-up for reference.vae.Conv: spatial-only (kt=1) Conv3d layers run as Conv2d over
[B*T, C, H, W] (same parameters, same math; torch's CPU Conv3d path is several times slower for them).
Call `enable()` before building/using the VAE in a training process; the definition itself is unchanged."""
import torch
import torch.nn.functional as F

from reference import vae as _vae

_orig_forward = _vae.Conv.forward


def _forward(self, x):
    if self.kernel_size[0] != 1:
        return _orig_forward(self, x)
    b, c, t, h, w = x.shape
    y = x.transpose(1, 2).reshape(b * t, c, h, w)
    y = F.conv2d(y, self.weight[:, :, 0], self.bias, padding=(self.padding[1], self.padding[2]))
    return y.reshape(b, t, -1, y.shape[-2], y.shape[-1]).transpose(1, 2)


def enable():
    _vae.Conv.forward = _forward


def disable():
    _vae.Conv.forward = _orig_forward
