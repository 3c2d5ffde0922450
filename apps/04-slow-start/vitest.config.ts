import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('04-slow-start');
