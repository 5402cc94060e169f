"""bench/bench_paper_scale_gpu.py: refuses without CUDA, and its --tiny
mode runs the same code on a CPU."""
import json

import pytest
import torch

from bench import bench_paper_scale_gpu


@pytest.mark.skipif(torch.cuda.is_available(), reason='a GPU is present')
def test_refuses_without_cuda(capsys):
    assert bench_paper_scale_gpu.main([]) == 2
    assert 'no CUDA device' in capsys.readouterr().err


def test_tiny_run_reports_every_number(tmp_path):
    out = tmp_path / 'result.json'
    argv = ['--tiny', '--steps', '2', '--batch', '1', '--infer-pairs', '2',
            '--infer-batch', '1', '--new-tokens', '3', '--out', str(out)]
    assert bench_paper_scale_gpu.main(argv) == 0
    result = json.loads(out.read_text())
    assert result['gradient_checkpointing'] and result['lora']['r'] == 4
    train, infer = result['train'], result['infer']
    assert len(train['step_times_s']) == 2 and train['pairs_per_s'] > 0
    assert infer['captions_per_s'] > 0 and infer['kv_cache']
    assert result['stack']['peft']
