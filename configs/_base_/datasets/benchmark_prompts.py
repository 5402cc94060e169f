# The prompt of each benchmark's task: the one place it is written. The CPU
# dataset configs (clevr_change.py, ...) and the paper-scale configs
# (configs/onediff/onediff_clip-l14-336_vicuna-7b_<benchmark>.py) read it, so
# training, evaluation and captioning give the decoder the same words.
benchmark_prompts = dict(
    spot_the_diff='Describe the differences between the two street scenes.',
    image_editing_request=(
        'Write the editing request that turns image one into image two.'),
    # Distractor pairs differ only in viewpoint or lighting: the prompt asks
    # for object changes and lets the model say there are none.
    clevr_change='Describe what changed in the objects, if anything.',
    birds_to_words=(
        'Compare animal 1 in the first photo with animal 2 in the second.'),
    clevr_dc='Describe what changed; the viewpoint changed as well.',
)
