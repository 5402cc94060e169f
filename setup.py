"""One distribution, ``onediff-kit``: the framework and its first-party
plugins (see docs/installation.md for why one distribution and not a
meta-package).

``pip install .`` installs the packages ``onediff_kit``, ``onediff_models``,
``onediff_data`` and ``onediff_metrics`` and declares the three plugins in
the ``onediff_kit.plugins`` entry-point group, the same way a third-party
plugin declares itself (``plugins/onediff-plugin-example``), so
``ONEDIFF_DISABLE_PLUGINS=onediff-models`` still switches one off.

``install_requires`` holds version ranges; the exact stack that was measured
is pinned in ``requirements/*.txt``, which ``make install`` uses.
"""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent

# plugin name (entry point, folder under plugins/) -> import package
FIRST_PARTY_PLUGINS = {
    'onediff-models': 'onediff_models',
    'onediff-data': 'onediff_data',
    'onediff-metrics': 'onediff_metrics',
}

# Lower bounds: what the code needs; upper bounds: the next release line
# that was not tried. The measured pins are in requirements/runtime.txt.
INSTALL_REQUIRES = [
    'torch>=2.6,<2.15',
    'torchvision>=0.21,<0.30',
    'mmengine>=0.10.7,<0.11',
    'mmcv-lite>=2.0.0,<2.4.0',  # mmpretrain 1.2 accepts mmcv <2.4
    'mmpretrain>=1.2.0,<1.3',
    # mmpretrain's multimodal imports break with transformers >= 4.52
    'transformers>=4.51.0,<4.52',
    'tokenizers>=0.21,<0.22',
    'safetensors>=0.4',
    'setuptools<81',  # mmengine needs pkg_resources
    'pluggy>=1.5,<2',
    'einops>=0.7',
    'pycocoevalcap>=1.2,<1.3',
    'numpy>=2,<3',
    'Pillow>=10,<13',
    'tqdm>=4.60',
    'scikit-image>=0.26,<0.27',  # the offline sample photos of 0.26
    'scikit-learn>=1.3',
    'matplotlib>=3.7',
]

EXTRAS_REQUIRE = {
    # CUDA attention kernels; 0.0.35 is the first that does not pin torch
    'xformers': ['xformers>=0.0.35,<0.1'],
    # `onediff serve`; transformers 4.51 needs huggingface-hub < 1.0
    'web': ['gradio>=6.17.3,<7', 'huggingface-hub<1.0'],
    # LoRA fine-tuning of the paper recipe's language model
    'lora': ['peft>=0.21.2,<0.22', 'accelerate>=1.15,<2'],
    'tensorboard': ['tensorboard>=2.14'],
    'tests': ['pytest>=8', 'selenium>=4.30,<5'],
}
EXTRAS_REQUIRE['all'] = sorted(
    {req for name, reqs in EXTRAS_REQUIRE.items() if name != 'tests'
     for req in reqs})

version = {}
exec((HERE / 'onediff_kit' / 'version.py').read_text(), version)

packages = find_packages(include=['onediff_kit', 'onediff_kit.*'])
package_dir = {}
for plugin, top in FIRST_PARTY_PLUGINS.items():
    packages += find_packages(
        where=f'plugins/{plugin}', include=[top, f'{top}.*'])
    package_dir[top] = f'plugins/{plugin}/{top}'

setup(
    name='onediff_kit',
    version=version['__version__'],
    description='Image difference captioning (OneDiff) on mmengine',
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    license_files=['LICENSE'],
    classifiers=[
        'License :: OSI Approved :: Apache Software License',
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    python_requires='>=3.10',
    packages=packages,
    package_dir=package_dir,
    # Data files read at run time: the synthetic scene vocabulary.
    package_data={'onediff_kit': ['data/*.json']},
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS_REQUIRE,
    entry_points={
        'console_scripts': ['onediff=onediff_kit.cli.main:main'],
        'onediff_kit.plugins': [
            f'{plugin} = {top}.plugin'
            for plugin, top in FIRST_PARTY_PLUGINS.items()
        ],
    },
)
