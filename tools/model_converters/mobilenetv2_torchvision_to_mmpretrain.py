"""Convert torchvision's MobileNetV2 to mmpretrain's layout: ``python -m
onediff_models.convert_mobilenet_v2`` under OpenMMLab's familiar path."""
from onediff_models.convert_mobilenet_v2 import main

if __name__ == '__main__':
    main()
