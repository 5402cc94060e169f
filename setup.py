from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_requirements(name):
    lines = (HERE / 'requirements' / name).read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith('#')]


version = {}
exec((HERE / 'onediff_kit' / 'version.py').read_text(), version)

setup(
    name='onediff_kit',
    version=version['__version__'],
    description='Image difference captioning (OneDiff) on mmengine',
    long_description=(HERE / 'README.md').read_text(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',
    packages=find_packages(include=['onediff_kit', 'onediff_kit.*']),
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'xformers': ['xformers==0.0.35'],
        'tensorboard': ['tensorboard'],
        'tests': read_requirements('tests.txt'),
    },
    entry_points={'console_scripts': ['onediff=onediff_kit.cli.main:main']},
)
