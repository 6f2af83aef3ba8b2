// vtk.js ships ImageMarchingCubes without type declarations; this is the part of its API the 3D view uses.
declare module '@kitware/vtk.js/Filters/General/ImageMarchingCubes' {
  import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
  import type vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData';

  export interface vtkImageMarchingCubes {
    setInputData(image: vtkImageData): void;
    getOutputData(): vtkPolyData;
    delete(): void;
  }

  const vtkImageMarchingCubes: {
    newInstance(initial?: { contourValue?: number; computeNormals?: boolean; mergePoints?: boolean }): vtkImageMarchingCubes;
  };
  export default vtkImageMarchingCubes;
}
