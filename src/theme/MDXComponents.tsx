// MDX components available in every docs page without an import.
import MDXComponentsOriginal from '@theme-original/MDXComponents';
import LabPage from '@theme/LabPage';
import LabStep from '@theme/LabStep';

export default {
  ...MDXComponentsOriginal,
  LabPage,
  LabStep,
};
