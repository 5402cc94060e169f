from setuptools import setup

setup(
    name='onediff-plugin-example',
    version='0.1.0',
    description='Template onediff_kit plugin: a pooled |B - A| delta module',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=['onediff_plugin_example'],
    python_requires='>=3.8',
    install_requires=['onediff_kit>=0.2', 'torch'],  # plugin API 2
    extras_require={'tests': ['pytest']},
    entry_points={
        'onediff_kit.plugins': [
            'onediff-plugin-example = onediff_plugin_example.plugin',
        ],
    },
)
