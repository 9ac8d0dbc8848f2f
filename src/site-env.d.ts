// Types of Docusaurus' module aliases (@theme/*, @docusaurus/*, CSS modules) for tsc.
/// <reference types="@docusaurus/module-type-aliases" />
/// <reference types="@docusaurus/theme-classic" />
