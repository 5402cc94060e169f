"""Every registered pair dataset with task prompts follows the dataset
contract (``onediff_kit.testing.check_dataset``)."""
import pytest
from mmengine.dataset import BaseDataset

from onediff_kit.contracts import PromptedDatasetMixin
from onediff_kit.registry import DATASETS
from onediff_kit.testing import check_component, check_dataset

PIPELINE = [
    dict(type='LoadImagePair'),
    dict(type='ResizePair', size=32),
    dict(type='PackDiffInputs'),
]


def prompted_datasets():
    return sorted(name for name, cls in DATASETS.module_dict.items()
                  if isinstance(cls, type)
                  and issubclass(cls, PromptedDatasetMixin))


def test_diff_caption_dataset_is_among_them():
    assert 'DiffCaptionDataset' in prompted_datasets()


@pytest.mark.parametrize('name', prompted_datasets())
def test_dataset_follows_the_contract(name, synth_root):
    # The synthetic set is a pair manifest: only a pair dataset reads it.
    check_component(dict(type=name, data_root=str(synth_root),
                         ann_file='manifest.jsonl',
                         prompts=dict(synth_diff='describe the change'),
                         pipeline=PIPELINE),
                    with_items=name == 'DiffCaptionDataset')


class NoPrompts(BaseDataset):
    def load_data_list(self):
        return []


def test_a_dataset_without_prompts_is_named():
    with pytest.raises(AssertionError, match='NoPrompts does not mix in '
                       'onediff_kit.contracts.PromptedDatasetMixin'):
        check_dataset(dict(type=NoPrompts))
