import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('01-echo');
