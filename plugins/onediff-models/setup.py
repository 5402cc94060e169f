from setuptools import find_packages, setup

setup(
    name='onediff-models',
    version='0.1.0',
    description='First-party onediff_kit components: models',
    license='Apache-2.0',
    packages=find_packages(include=['onediff_models', 'onediff_models.*']),
    install_requires=['onediff_kit'],
    entry_points={'onediff_kit.plugins': ['onediff-models = onediff_models.plugin']},
)
