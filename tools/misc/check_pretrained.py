"""Classify two real photos with the converted MobileNetV2: ``python -m
onediff_models.check_pretrained`` under OpenMMLab's familiar path."""
from onediff_models.check_pretrained import main

if __name__ == '__main__':
    main()
