# Baseline: MCCFormers-D-style cross transformer between the two images.
_base_ = ['./onediff_mobilenetv2_vdm.py']
model = dict(
    delta=dict(_delete_=True, type='CrossTransformerDelta', level=-2,
               embed_dims=256, num_layers=2, num_heads=4, ffn_dims=1024,
               grid=2))
