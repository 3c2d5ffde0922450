import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('14-connection-table');
