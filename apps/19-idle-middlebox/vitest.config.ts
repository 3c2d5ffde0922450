import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('19-idle-middlebox');
