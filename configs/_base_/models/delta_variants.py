# The delta modules that replace the Visual Delta Module in the CPU-sized
# configs, each defined once: the model variants beside this file and the
# ablation rows (configs/onediff/ablation/) inherit this file and set
# `model = dict(delta={{_base_.<name>}})`. `_delete_=True` makes the variant
# replace model.delta wholesale (mmengine merges dicts key by key).
subtract_delta = dict(_delete_=True, type='SubtractDelta', level=-1,
                      embed_dims=256)
concat_delta = dict(_delete_=True, type='ConcatDelta', level=-1,
                    embed_dims=256, grid=2)
crosstransformer_delta = dict(_delete_=True, type='CrossTransformerDelta',
                              level=-2, embed_dims=256, num_layers=2,
                              num_heads=4, ffn_dims=1024, grid=2)
no_delta = dict(_delete_=True, type='NoDelta')
