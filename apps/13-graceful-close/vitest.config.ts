import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('13-graceful-close');
