from setuptools import find_packages, setup

setup(
    name='onediff-data',
    version='0.1.0',
    description='First-party onediff_kit components: data',
    license='Apache-2.0',
    packages=find_packages(include=['onediff_data', 'onediff_data.*']),
    install_requires=['onediff_kit'],
    entry_points={'onediff_kit.plugins': ['onediff-data = onediff_data.plugin']},
)
