from setuptools import find_packages, setup

setup(
    name='onediff-metrics',
    version='0.1.0',
    description='First-party onediff_kit components: metrics',
    license='Apache-2.0',
    packages=find_packages(include=['onediff_metrics', 'onediff_metrics.*']),
    install_requires=['onediff_kit'],
    entry_points={'onediff_kit.plugins': ['onediff-metrics = onediff_metrics.plugin']},
)
