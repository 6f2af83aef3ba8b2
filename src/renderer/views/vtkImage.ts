import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import type { VoxelArray } from '../../shared/volume';

export interface DisplayVolume {
  dims: [number, number, number];
  spacing: [number, number, number];
  data: VoxelArray;
}

/**
 * The volume as vtk.js image data in display space: origin 0, axes aligned with i, j, k, so the views place
 * cameras in slice coordinates and the patient orientation is shown by labels rather than by rotating the data.
 * The scalar range is computed once here: vtk.js otherwise rescans the array on every slice change.
 */
export function toVtkImage(volume: DisplayVolume, range: [number, number]): vtkImageData {
  const image = vtkImageData.newInstance();
  image.setDimensions(volume.dims);
  image.setSpacing(volume.spacing);
  image.setOrigin([0, 0, 0]);
  const scalars = vtkDataArray.newInstance({ name: 'scalars', numberOfComponents: 1, values: volume.data });
  scalars.setRange({ min: range[0], max: range[1] }, 0);
  image.getPointData().setScalars(scalars);
  return image;
}

export function scalarRange(data: VoxelArray): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return data.length ? [min, max] : [0, 1];
}
