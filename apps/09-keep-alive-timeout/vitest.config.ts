import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('09-keep-alive-timeout');
