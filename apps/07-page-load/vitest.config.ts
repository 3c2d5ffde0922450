import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('07-page-load');
