# image-editing-request: make the manifest with
#   onediff data import image-editing-request --src <upstream folder> \
#       --out data/image-editing-request/manifest.jsonl \
#       --root data/image-editing-request
# (docs/benchmarks.md: where the data lives, what the importer checks).
_base_ = ['./benchmark_manifest.py', './benchmark_prompts.py']

data_root = 'data/image-editing-request'
manifest = data_root + '/manifest.jsonl'
# IER's captions are edit requests written to an editor, not descriptions
# of a change: the prompt asks for the request.
prompt = {{_base_.benchmark_prompts.image_editing_request}}

_dataset = dict(data_root=data_root,
                prompts=dict(image_editing_request=prompt))
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)
# NCT's evaluate_edit.py: references without punctuation, whole test set.
val_evaluator = [dict(type='CaptionMetric', protocol='ier-nct')]
test_evaluator = val_evaluator
